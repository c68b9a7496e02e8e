package main

import (
	"bufio"
	"fmt"
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The architecture's rule: a service imports only its own module, the kit,
// the protos and third-party modules, never another service; the kit and the
// protos import no service (so no service reaches another through them).
// Services meet only through the event stream and their gRPC APIs.
//
// Two exceptions, for tests only: a _test.go file may import another
// service's server package (…/services/<other>/server), to run that service
// for real next to the one under test on the same event store (the demand
// and monitoring harnesses do), and its benchmark fixture
// (…/services/<other>/<other>bench, e.g. demandbench), to load the same
// history that service's benchmarks use (the portal's demand page
// benchmark does). Nothing else of another service — its domain, app or
// read model — may be imported, not even by a test.

const repoModule = "github.com/carecoop/carecoop/"

// module is one Go module of the repository the rule applies to.
type module struct {
	dir, path string
	service   bool // under services/ and not the kit
}

// repoModules finds the protos and every module under services/ in the
// repository rooted at root.
func repoModules(root string) ([]module, error) {
	var mods []module
	dirs := []string{filepath.Join(root, "proto")}
	entries, err := os.ReadDir(filepath.Join(root, "services"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(root, "services", e.Name()))
		}
	}
	for _, dir := range dirs {
		path, err := modulePath(filepath.Join(dir, "go.mod"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		mods = append(mods, module{dir: dir, path: path, service: strings.HasPrefix(rel, "services/") && rel != "services/kit"})
	}
	return mods, nil
}

func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}

func within(path, mod string) bool { return path == mod || strings.HasPrefix(path, mod+"/") }

// importViolations parses the imports of every .go file of the modules (as
// the go command would see them: testdata, vendor, nested modules and
// directories starting with . or _ are skipped; build tags are ignored, so
// every file counts) and returns one line per forbidden import.
func importViolations(root string, mods []module) ([]string, error) {
	var kit, protos string
	services := map[string]bool{}
	for _, m := range mods {
		switch {
		case m.service:
			services[m.path] = true
		case filepath.Base(m.dir) == "kit":
			kit = m.path
		default:
			protos = m.path
		}
	}
	var out []string
	fset := gotoken.NewFileSet()
	for _, m := range mods {
		err := filepath.WalkDir(m.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				name := d.Name()
				if p != m.dir && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				if _, err := os.Stat(filepath.Join(p, "go.mod")); p != m.dir && err == nil {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") {
				return nil
			}
			f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			isTest := strings.HasSuffix(p, "_test.go")
			for _, spec := range f.Imports {
				ip, err := strconv.Unquote(spec.Path.Value)
				if err != nil {
					return err
				}
				if !strings.HasPrefix(ip, repoModule) || within(ip, m.path) || within(ip, protos) {
					continue // third-party or standard library, its own module, the protos
				}
				if m.service && within(ip, kit) {
					continue
				}
				if m.service && isTest && strings.HasSuffix(ip, "/server") && services[strings.TrimSuffix(ip, "/server")] {
					continue // a test runs another service as a real neighbour
				}
				if svc, pkg := path.Split(ip); m.service && isTest && services[strings.TrimSuffix(svc, "/")] && pkg == path.Base(strings.TrimSuffix(svc, "/"))+"bench" {
					continue // a test loads another service's benchmark fixture
				}
				out = append(out, fmt.Sprintf("%s:%d: imports %s", filepath.ToSlash(rel), fset.Position(spec.Pos()).Line, ip))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return out, nil
}

func TestNoServiceImportsAnother(t *testing.T) {
	root := filepath.Join("..", "..")
	mods, err := repoModules(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range mods {
		names = append(names, strings.TrimPrefix(m.path, repoModule))
	}
	slices.Sort(names)
	// The guard must see the modules it guards, or it passes by seeing nothing.
	for _, want := range []string{"proto", "services/kit", "services/framework", "services/purchasing", "services/demand", "services/monitoring"} {
		if !slices.Contains(names, want) {
			t.Fatalf("module %s not found (found %v)", want, names)
		}
	}
	bad, err := importViolations(root, mods)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: a service may import only its own module, the kit, the protos and third-party modules (a test may also run another service's server package or load its benchmark fixture)", b)
	}
}

// The guard itself: on a small repository laid out like this one, it finds
// each kind of forbidden import and passes the allowed ones.
func TestImportGuardFindsViolations(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	imports := func(pkg string, paths ...string) string {
		s := "package " + pkg + "\n\nimport (\n"
		for _, p := range paths {
			s += "\t_ " + strconv.Quote(p) + "\n"
		}
		return s + ")\n"
	}
	for _, m := range []string{"proto", "services/kit", "services/alpha", "services/beta"} {
		write(m+"/go.mod", "module "+repoModule+m+"\n\ngo 1.26\n")
	}
	write("tools/carecoop/go.mod", "module "+repoModule+"tools/carecoop\n")
	write("proto/gen/x.go", imports("gen", "google.golang.org/protobuf/proto"))
	write("services/kit/geo/geo.go", imports("geo", "strings", repoModule+"proto/gen"))
	write("services/kit/bad/bad.go", imports("bad", repoModule+"services/beta/domain"))
	write("services/alpha/app/app.go", imports("app", "fmt", "go.uber.org/zap",
		repoModule+"proto/gen", repoModule+"services/kit/geo", repoModule+"services/alpha/domain"))
	write("services/alpha/app/cross.go", imports("app", repoModule+"services/beta/domain"))
	write("services/alpha/server/ok_test.go", imports("server_test", repoModule+"services/beta/server"))
	write("services/alpha/server/bad_test.go", imports("server_test", repoModule+"services/beta/app"))
	write("services/alpha/server/fixture_test.go", imports("server_test", repoModule+"services/beta/betabench"))
	write("services/alpha/app/fixture.go", imports("app", repoModule+"services/beta/betabench"))
	write("services/alpha/server/otherbench_test.go", imports("server_test", repoModule+"services/beta/alphabench"))
	write("services/alpha/cmd/main.go", imports("main", repoModule+"services/beta/server"))
	write("services/alpha/tool/tool.go", imports("tool", repoModule+"tools/carecoop"))
	write("services/alpha/app/testdata/ignored.go", imports("ignored", repoModule+"services/beta/domain"))
	write("services/beta/domain/domain.go", "//go:build never\n\n"+imports("domain", repoModule+"services/alpha/app"))

	mods, err := repoModules(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := importViolations(root, mods)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"services/alpha/app/cross.go:4: imports " + repoModule + "services/beta/domain",
		"services/alpha/app/fixture.go:4: imports " + repoModule + "services/beta/betabench",
		"services/alpha/cmd/main.go:4: imports " + repoModule + "services/beta/server",
		"services/alpha/server/bad_test.go:4: imports " + repoModule + "services/beta/app",
		"services/alpha/server/otherbench_test.go:4: imports " + repoModule + "services/beta/alphabench",
		"services/alpha/tool/tool.go:4: imports " + repoModule + "tools/carecoop",
		"services/beta/domain/domain.go:6: imports " + repoModule + "services/alpha/app",
		"services/kit/bad/bad.go:4: imports " + repoModule + "services/beta/domain",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n got %q\nwant %q", got, want)
	}
}
