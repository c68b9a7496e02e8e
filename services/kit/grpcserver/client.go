package grpcserver

import (
	"context"
	"crypto/tls"
	"net"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/carecoop/carecoop/services/kit/tracing"
)

type bearerCreds struct{ md map[string]string }

// BearerCreds sends token as "authorization: Bearer <token>" on every call,
// for tests and tools. It does not itself require transport security, so
// it also works over an insecure loopback or bufconn connection; over a
// network, dial with TLS transport credentials (NewClient does so for any
// non-loopback target).
func BearerCreds(token string) credentials.PerRPCCredentials {
	return bearerCreds{md: map[string]string{"authorization": "Bearer " + token}}
}

func (b bearerCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return b.md, nil
}

func (bearerCreds) RequireTransportSecurity() bool { return false }

// WithCorrelationIDHeader returns ctx with the correlation id set in the
// outgoing metadata, for clients that continue a correlation.
func WithCorrelationIDHeader(ctx context.Context, id string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, CorrelationHeader, id)
}

// NewClient connects to a carecoop service with a bearer token (none if
// token is ""): without TLS when target is a loopback address
// ("localhost:8081", "127.0.0.1:8081", "[::1]:8081", optionally with a
// "dns:///" or "passthrough:///" scheme), with TLS and the system roots
// otherwise. Unary calls answered UNAVAILABLE are retried within their
// deadline (RetryUnavailable). opts come after these and may override them.
func NewClient(target, token string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	base := []grpc.DialOption{grpc.WithChainUnaryInterceptor(RetryUnavailable())}
	if isLoopbackTarget(target) {
		base = append(base, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		base = append(base, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})))
	}
	if token != "" {
		base = append(base, grpc.WithPerRPCCredentials(BearerCreds(token)))
	}
	base = append(base, tracing.DialOptions()...) // the call's trace goes on in the service
	return grpc.NewClient(target, append(base, opts...)...)
}

func isLoopbackTarget(target string) bool {
	for _, scheme := range []string{"dns:///", "passthrough:///"} {
		target = strings.TrimPrefix(target, scheme)
	}
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		host = target
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
