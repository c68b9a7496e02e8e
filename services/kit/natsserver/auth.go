package natsserver

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// CredentialsDir is where LoadOrCreateCredentials keeps the services' and
// the operator's passwords, under the data directory.
const CredentialsDir = "nats-credentials"

// Credentials are the NATS passwords, by user: the services' (user name =
// service) and the operator's (natsperm.Operator).
type Credentials map[string]string

// CredentialsFile is the file holding a service's credentials: the lines
// NATS_USER=<service> and NATS_PASSWORD=<password>, the environment a
// standalone service reads them from.
func CredentialsFile(dataDir, service string) string {
	return filepath.Join(dataDir, CredentialsDir, service+".env")
}

// LoadOrCreateCredentials reads each user's password (natsperm.Users) from
// its CredentialsFile, generating a random one (file mode 0600, directory
// 0700) for each that has none yet.
func LoadOrCreateCredentials(dataDir string) (Credentials, error) {
	if err := os.MkdirAll(filepath.Join(dataDir, CredentialsDir), 0o700); err != nil {
		return nil, fmt.Errorf("natsserver: credentials: %w", err)
	}
	creds := Credentials{}
	for _, svc := range natsperm.Users() {
		path := CredentialsFile(dataDir, svc)
		pw, err := readCredentials(path, svc)
		if errors.Is(err, fs.ErrNotExist) {
			pw, err = createCredentials(path, svc)
		}
		if err != nil {
			return nil, fmt.Errorf("natsserver: credentials: %w", err)
		}
		creds[svc] = pw
	}
	return creds, nil
}

func readCredentials(path, user string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok {
			vars[k] = v
		}
	}
	if vars["NATS_USER"] != user || vars["NATS_PASSWORD"] == "" {
		return "", fmt.Errorf("%s: want the lines NATS_USER=%s and NATS_PASSWORD=<password>", path, user)
	}
	return vars["NATS_PASSWORD"], nil
}

// createCredentials writes a new password to a temporary file and links it
// into place, which fails if another process got there first; then the
// winner's password is read.
func createCredentials(path, user string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	pw := base64.RawURLEncoding.EncodeToString(b)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*") // mode 0600
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	_, err = fmt.Fprintf(tmp, "NATS_USER=%s\nNATS_PASSWORD=%s\n", user, pw)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	return readCredentials(path, user)
}

// ServiceUsers are the server's users for creds: one per service and the
// operator, with natsperm's permissions.
func ServiceUsers(creds Credentials) ([]*server.User, error) {
	var users []*server.User
	for _, svc := range natsperm.Users() {
		pw, ok := creds[svc]
		if !ok || pw == "" {
			return nil, fmt.Errorf("natsserver: no password for %s", svc)
		}
		perms, err := ServicePermissions(svc)
		if err != nil {
			return nil, err
		}
		users = append(users, &server.User{Username: svc, Password: pw, Permissions: perms})
	}
	return users, nil
}

// ServicePermissions are natsperm's permissions of a service as the
// server takes them.
func ServicePermissions(service string) (*server.Permissions, error) {
	p, err := natsperm.For(service)
	if err != nil {
		return nil, err
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: p.PublishAllow, Deny: p.PublishDeny},
		Subscribe: &server.SubjectPermission{Allow: p.SubscribeAllow},
	}, nil
}

// ConnectOptions are how a service connects with creds: as its user, with
// its own inbox prefix and the store's connection options.
func (c Credentials) ConnectOptions(service string) []nats.Option {
	return append([]nats.Option{
		nats.Name("carecoop-" + service),
		nats.UserInfo(service, c[service]),
		nats.CustomInboxPrefix(natsperm.InboxPrefix(service)),
	}, jetstream.ConnOptions()...)
}
