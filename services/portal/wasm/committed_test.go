package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommittedCounterIsBuilt: the needs.wasm and wasm_exec.js the portal
// embeds are what `make assets` builds from this package with this Go, so
// the browser counts with the kit as it is in the tree.
func TestCommittedCounterIsBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the WebAssembly counter")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH to build the counter with")
	}
	env, err := exec.Command(goBin, "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	goroot := strings.TrimSpace(string(env))
	out := filepath.Join(t.TempDir(), "needs.wasm")
	// The flags of `make assets`.
	cmd := exec.Command(goBin, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the counter: %v\n%s", err, b)
	}
	for _, f := range []struct{ built, committed string }{
		{out, "../assets/static/needs.wasm"},
		{filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"), "../assets/static/wasm_exec.js"},
	} {
		built, err := os.ReadFile(f.built)
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(f.committed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(built, committed) {
			t.Errorf("%s is not what `make assets` builds with the Go in %s: run make assets and commit it", strings.TrimPrefix(f.committed, "../"), goroot)
		}
	}
}
