// Command framework runs the framework management service alone against a
// NATS cluster with JetStream: see deploy/ and README.md.
package main

import (
	"context"

	"github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/servicecmd"
)

func main() {
	servicecmd.Main("framework", server.DefaultAddr, func(ctx context.Context, env servicecmd.Env) (servicecmd.Service, error) {
		return server.Start(ctx, env.ServiceConfig())
	})
}
