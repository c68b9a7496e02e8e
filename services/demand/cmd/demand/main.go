// Command demand runs the aggregated demand service alone against a
// NATS cluster with JetStream: see deploy/ and README.md.
package main

import (
	"context"

	"github.com/carecoop/carecoop/services/demand/server"
	"github.com/carecoop/carecoop/services/kit/servicecmd"
)

func main() {
	servicecmd.Main("demand", server.DefaultAddr, func(ctx context.Context, env servicecmd.Env) (servicecmd.Service, error) {
		return server.Start(ctx, env.ServiceConfig())
	})
}
