// Command notify runs the notifications service alone against a NATS
// cluster with JetStream: see deploy/, README.md and docs/notify.md.
package main

import (
	"context"

	"github.com/carecoop/carecoop/services/kit/servicecmd"
	"github.com/carecoop/carecoop/services/notify/server"
)

func main() {
	flags := registerFlags()
	servicecmd.Main("notify", server.DefaultAddr, func(ctx context.Context, env servicecmd.Env) (servicecmd.Service, error) {
		opts, err := flags.options(env)
		if err != nil {
			return nil, err
		}
		return server.Start(ctx, env.ServiceConfig(), opts...)
	})
}
