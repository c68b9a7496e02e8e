// Command purchasing runs the dynamic purchasing service alone against a
// NATS cluster with JetStream: see deploy/ and README.md.
package main

import (
	"context"

	"github.com/carecoop/carecoop/services/kit/servicecmd"
	"github.com/carecoop/carecoop/services/purchasing/server"
)

func main() {
	servicecmd.Main("purchasing", server.DefaultAddr, func(ctx context.Context, env servicecmd.Env) (servicecmd.Service, error) {
		return server.Start(ctx, env.ServiceConfig())
	})
}
