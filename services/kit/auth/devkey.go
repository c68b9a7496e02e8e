package auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Files written by LoadOrCreateDevKey inside its data directory.
const (
	DevKeyFile       = "dev-signing-key.pem"     // PKCS#8 "PRIVATE KEY", mode 0600
	DevPublicKeyFile = "dev-signing-key.pub.pem" // PKIX "PUBLIC KEY", mode 0644
)

// LoadOrCreateDevKey returns the development signing key kept in dataDir,
// creating it on first use. The private key is written atomically (a second
// process racing to create it ends up with the same key) and the public key
// beside it is (re)written if missing or stale, so services can verify with
// NewPublicKeyFileVerifier(filepath.Join(dataDir, DevPublicKeyFile)).
//
// Development only: production tokens come from an identity provider and are
// verified with NewJWKSVerifier.
func LoadOrCreateDevKey(dataDir string) (ed25519.PrivateKey, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	path := filepath.Join(dataDir, DevKeyFile)
	key, err := loadPrivateKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createPrivateKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	if err := ensurePublicKey(filepath.Join(dataDir, DevPublicKeyFile), key.Public().(ed25519.PublicKey)); err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	return key, nil
}

func loadPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM \"PRIVATE KEY\" block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key (%T)", path, k)
	}
	return key, nil
}

// createPrivateKey writes a new key to a temporary file and links it into
// place, which fails if another process got there first; then the winner's
// key is loaded.
func createPrivateKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	tmp, err := writeTemp(filepath.Dir(path), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadPrivateKey(path)
		}
		return nil, err
	}
	return key, nil
}

func ensurePublicKey(path string, pub ed25519.PublicKey) error {
	want, err := EncodePublicKeyPEM(pub)
	if err != nil {
		return err
	}
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, want) {
		return nil
	}
	tmp, err := writeTemp(filepath.Dir(path), want, 0o644)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func writeTemp(dir string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-key-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// EncodePublicKeyPEM encodes pub as a PEM PKIX "PUBLIC KEY" block.
func EncodePublicKeyPEM(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKeyPEM decodes a PEM PKIX "PUBLIC KEY" block holding an Ed25519 key.
func ParsePublicKeyPEM(data []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("auth: no PEM \"PUBLIC KEY\" block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("auth: public key is %T, not Ed25519", k)
	}
	return pub, nil
}

// LoadPublicKey reads a PEM Ed25519 public key file.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	pub, err := ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return pub, nil
}

// LoadPrivateKey reads an Ed25519 signing key (PEM "PRIVATE KEY", PKCS #8),
// e.g. the portal's token-signing key in a deployment
// (`openssl genpkey -algorithm ed25519`).
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	key, err := loadPrivateKey(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return key, nil
}
