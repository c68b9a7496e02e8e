package grpcserver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

// Transport says how a service's gRPC port is secured. The zero value is
// plaintext, which Serve allows on loopback addresses only.
type Transport struct {
	// CertFile and KeyFile are the server's certificate chain and private
	// key (PEM). With them the port speaks TLS 1.2 or later only. They are
	// read once, at start.
	CertFile, KeyFile string
	// ClientCAFile (PEM), with TLS, makes the port require a client
	// certificate signed by one of these CAs: mutual TLS. The bearer token
	// is still required on every call.
	ClientCAFile string
	// Insecure allows plaintext on an address other than loopback, for a
	// service behind a proxy or mesh that terminates TLS for it.
	Insecure bool
}

// TLS reports whether the port is to speak TLS.
func (t Transport) TLS() bool { return t.CertFile != "" || t.KeyFile != "" }

// ErrPlaintextExposed marks the refusal to serve plaintext on an address
// other than loopback.
var ErrPlaintextExposed = errors.New("refusing plaintext gRPC on an address that is not loopback")

// CheckAddr checks the settings, and refuses plaintext on addr (host:port)
// unless its host is a loopback IP or "localhost" or Insecure is set. An
// empty host, 0.0.0.0 and [::] listen on every interface: not loopback.
func (t Transport) CheckAddr(addr string) error {
	if err := t.check(); err != nil {
		return err
	}
	if t.TLS() || t.Insecure {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("grpcserver: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return exposedError(addr)
}

// checkListener is CheckAddr on the address a TCP listener is bound to.
func (t Transport) checkListener(lis net.Listener) error {
	tcp, ok := lis.Addr().(*net.TCPAddr)
	if !ok || t.TLS() || t.Insecure || tcp.IP.IsLoopback() {
		return nil
	}
	return exposedError(tcp.String())
}

func exposedError(addr string) error {
	return fmt.Errorf("grpcserver: %w: %s; give -tls-cert and -tls-key, or -insecure if a proxy or mesh terminates TLS in front of the service",
		ErrPlaintextExposed, addr)
}

func (t Transport) check() error {
	switch {
	case (t.CertFile == "") != (t.KeyFile == ""):
		return errors.New("grpcserver: TLS needs both a certificate and its key (-tls-cert and -tls-key)")
	case t.ClientCAFile != "" && !t.TLS():
		return errors.New("grpcserver: a client CA (-tls-client-ca) needs TLS (-tls-cert and -tls-key)")
	case t.Insecure && t.TLS():
		return errors.New("grpcserver: -insecure and TLS both given; choose one")
	}
	return nil
}

// credentials are the port's TLS credentials, or nil for plaintext.
func (t Transport) credentials() (credentials.TransportCredentials, error) {
	if err := t.check(); err != nil || !t.TLS() {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("grpcserver: TLS certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.ClientCAFile != "" {
		pem, err := os.ReadFile(t.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("grpcserver: client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("grpcserver: client CA: no PEM certificate in %s", t.ClientCAFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return credentials.NewTLS(cfg), nil
}

// Message sizes and connection limits, set on purpose rather than left to
// grpc-go's defaults (Config.ServerOptions may override them).
const (
	// The largest valid request, a needs return of 20,000 cells, is about
	// 2 MB; 4 MiB leaves room and bounds what one call makes us buffer.
	MaxRecvMsgSize = 4 << 20
	// grpc-go would send any size; 16 MiB bounds the buffer of one answer
	// while leaving large lists room. Past it the call fails
	// RESOURCE_EXHAUSTED rather than growing the server's memory.
	MaxSendMsgSize = 16 << 20
	// Calls one connection may run at once; more wait on the client. It
	// bounds the goroutines and buffers a single client can hold.
	MaxConcurrentStreams = 256
)

func limitOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxRecvMsgSize),
		grpc.MaxSendMsgSize(MaxSendMsgSize),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			// Clients and mesh proxies may ping every 30 s to keep a
			// connection open through NAT and load balancers' idle
			// timeouts; a client pinging faster is closed (too_many_pings).
			MinTime: 30 * time.Second,
			// Even with no call in flight, so a pooled connection stays warm.
			PermitWithoutStream: true,
		}),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			// Ping a quiet client after 2 minutes and drop it after 20 s
			// without an answer: a client that vanished would otherwise
			// hold its WatchAlerts stream until TCP gives up.
			Time:    2 * time.Minute,
			Timeout: 20 * time.Second,
			// A connection without calls for 30 minutes is closed; its
			// client reconnects when it next calls.
			MaxConnectionIdle: 30 * time.Minute,
		}),
	}
}
