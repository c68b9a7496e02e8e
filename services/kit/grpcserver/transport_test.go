package grpcserver_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

func verifierOf(t *testing.T, e *env) auth.Verifier {
	t.Helper()
	v, err := auth.NewKeyVerifier(e.key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// testCA is a certificate authority made for one test, its certificate
// written as PEM to File.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	Pool *x509.CertPool
	File string
}

var serial int64

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{cert: cert, key: key, Pool: x509.NewCertPool(), File: filepath.Join(t.TempDir(), name+".pem")}
	ca.Pool.AddCert(cert)
	writePEM(t, ca.File, "CERTIFICATE", der)
	return ca
}

// issue signs a leaf certificate for localhost, for a server or a client,
// and writes it and its key as PEM files.
func (ca *testCA) issue(t *testing.T, name string, usage x509.ExtKeyUsage) (cert tls.Certificate, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return cert, certFile, keyFile
}

func writePEM(t *testing.T, file, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// whoami calls Whoami on addr with the lead's token over creds.
func whoami(t *testing.T, e *env, addr string, creds credentials.TransportCredentials) error {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return conn.Invoke(ctx, method("Whoami"), &emptypb.Empty{}, &wrapperspb.StringValue{},
		grpc.PerRPCCredentials(grpcserver.BearerCreds(e.token(t, lead))))
}

// tlsTo trusts roots and, if given one, presents cert whichever CAs the
// server asks for (crypto/tls would otherwise keep back a certificate of a
// CA the server does not name).
func tlsTo(roots *x509.CertPool, cert ...tls.Certificate) credentials.TransportCredentials {
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if len(cert) == 1 {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert[0], nil }
	}
	return credentials.NewTLS(cfg)
}

func TestTLS(t *testing.T) {
	ca := newCA(t, "server-ca")
	_, certFile, keyFile := ca.issue(t, "server", x509.ExtKeyUsageServerAuth)
	e, addr := serveTCP(t, nil, func(c *grpcserver.Config) {
		c.Transport = grpcserver.Transport{CertFile: certFile, KeyFile: keyFile}
	})

	if err := whoami(t, e, addr, tlsTo(ca.Pool)); err != nil {
		t.Fatalf("client trusting the CA: %v", err)
	}
	t.Run("plaintext client refused", func(t *testing.T) {
		wantCode(t, whoami(t, e, addr, insecure.NewCredentials()), codes.Unavailable)
	})
	t.Run("client trusting another CA refused", func(t *testing.T) {
		wantCode(t, whoami(t, e, addr, tlsTo(newCA(t, "other-ca").Pool)), codes.Unavailable)
	})
	t.Run("TLS 1.1 refused", func(t *testing.T) {
		old := credentials.NewTLS(&tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
		wantCode(t, whoami(t, e, addr, old), codes.Unavailable)
	})
	if n := e.svc.handled.Load(); n != 1 {
		t.Errorf("%d calls handled, want only the TLS one", n)
	}
}

func TestMutualTLS(t *testing.T) {
	serverCA, clientCA, otherCA := newCA(t, "server-ca"), newCA(t, "client-ca"), newCA(t, "other-ca")
	_, certFile, keyFile := serverCA.issue(t, "server", x509.ExtKeyUsageServerAuth)
	e, addr := serveTCP(t, nil, func(c *grpcserver.Config) {
		c.Transport = grpcserver.Transport{CertFile: certFile, KeyFile: keyFile, ClientCAFile: clientCA.File}
	})
	signed, _, _ := clientCA.issue(t, "gateway", x509.ExtKeyUsageClientAuth)
	stranger, _, _ := otherCA.issue(t, "stranger", x509.ExtKeyUsageClientAuth)

	if err := whoami(t, e, addr, tlsTo(serverCA.Pool, signed)); err != nil {
		t.Fatalf("client with a certificate of the client CA: %v", err)
	}
	t.Run("no client certificate refused", func(t *testing.T) {
		wantCode(t, whoami(t, e, addr, tlsTo(serverCA.Pool)), codes.Unavailable)
	})
	t.Run("certificate of another CA refused", func(t *testing.T) {
		wantCode(t, whoami(t, e, addr, tlsTo(serverCA.Pool, stranger)), codes.Unavailable)
	})
	t.Run("plaintext client refused", func(t *testing.T) {
		wantCode(t, whoami(t, e, addr, insecure.NewCredentials()), codes.Unavailable)
	})
	if n := e.svc.handled.Load(); n != 1 {
		t.Errorf("%d calls handled, want only the mutual TLS one", n)
	}
}

func TestPlaintextOnlyOnLoopback(t *testing.T) {
	t.Run("CheckAddr", func(t *testing.T) {
		for addr, ok := range map[string]bool{
			"127.0.0.1:7101":      true,
			"127.8.9.10:7101":     true,
			"[::1]:7101":          true,
			"localhost:7101":      true,
			"0.0.0.0:7101":        false,
			":7101":               false,
			"[::]:7101":           false,
			"10.0.0.7:7101":       false,
			"framework.svc:7101":  false,
			"localhost.evil:7101": false,
		} {
			err := grpcserver.Transport{}.CheckAddr(addr)
			if ok != (err == nil) {
				t.Errorf("CheckAddr(%q) = %v", addr, err)
			}
			if !ok && (!errors.Is(err, grpcserver.ErrPlaintextExposed) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "-insecure")) {
				t.Errorf("CheckAddr(%q): error %q should name the address and -insecure", addr, err)
			}
			if err := (grpcserver.Transport{Insecure: true}).CheckAddr(addr); err != nil {
				t.Errorf("insecure CheckAddr(%q) = %v", addr, err)
			}
		}
	})

	// A service hosted on every interface without TLS does not start.
	host := func(tr grpcserver.Transport) (*grpcserver.Running, error) {
		e := newServer(t, fullPolicy())
		return grpcserver.Host(t.Context(), grpcserver.HostConfig{
			Name: "test", Addr: "0.0.0.0:0", Verifier: verifierOf(t, e), Policy: fullPolicy(), Transport: tr,
			Start: func(context.Context) error {
				t.Error("read models started for a service that may not listen")
				return nil
			},
			Register: func(r grpc.ServiceRegistrar) { r.RegisterService(&testDesc, e.svc) },
		})
	}
	t.Run("Host refuses", func(t *testing.T) {
		r, err := host(grpcserver.Transport{})
		if !errors.Is(err, grpcserver.ErrPlaintextExposed) || !strings.Contains(err.Error(), "0.0.0.0:0") {
			t.Errorf("Host on 0.0.0.0 = %v, %v", r, err)
		}
	})
	t.Run("Serve refuses", func(t *testing.T) {
		e := newServer(t, fullPolicy())
		lis, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		defer lis.Close()
		if err := e.srv.Serve(lis); !errors.Is(err, grpcserver.ErrPlaintextExposed) {
			t.Errorf("Serve on %s = %v", lis.Addr(), err)
		}
	})
	t.Run("insecure serves", func(t *testing.T) {
		lis, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		e, _ := serveTCP(t, lis, func(c *grpcserver.Config) { c.Transport.Insecure = true })
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(lis.Addr().(*net.TCPAddr).Port))
		if err := whoami(t, e, addr, insecure.NewCredentials()); err != nil {
			t.Errorf("insecure server: %v", err)
		}
	})
}

func TestReflectionOnlyWhenEnabled(t *testing.T) {
	list := func(conn *grpc.ClientConn) error {
		stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(t.Context())
		if err != nil {
			return err
		}
		// A refused stream may fail Send with io.EOF; Recv has the status.
		_ = stream.Send(&reflectionpb.ServerReflectionRequest{
			MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
		})
		_, err = stream.Recv()
		return err
	}
	wantCode(t, list(newEnv(t).conn), codes.Unimplemented)
	if err := list(newEnv(t, func(c *grpcserver.Config) { c.Reflection = true }).conn); err != nil {
		t.Errorf("reflection enabled: %v", err)
	}
}

func TestTransportRejectsBadConfig(t *testing.T) {
	ca := newCA(t, "ca")
	_, certFile, keyFile := ca.issue(t, "server", x509.ExtKeyUsageServerAuth)
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tr := range map[string]grpcserver.Transport{
		"certificate without key":  {CertFile: certFile},
		"key without certificate":  {KeyFile: keyFile},
		"client CA without TLS":    {ClientCAFile: ca.File},
		"TLS and insecure":         {CertFile: certFile, KeyFile: keyFile, Insecure: true},
		"missing certificate file": {CertFile: certFile + ".gone", KeyFile: keyFile},
		"key of another cert":      {CertFile: certFile, KeyFile: ca.File},
		"client CA not PEM":        {CertFile: certFile, KeyFile: keyFile, ClientCAFile: notPEM},
	} {
		t.Run(name, func(t *testing.T) {
			e := newServer(t, testPolicy)
			if _, err := grpcserver.New(grpcserver.Config{Verifier: verifierOf(t, e), Policy: testPolicy, Transport: tr}); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}
