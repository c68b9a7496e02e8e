package domain_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// unreachable: rule ids declared in rules.go that no decider returns (the
// deciders refuse those cases with domainerr.Forbidden, kind Denied and no
// rule id, which the tests assert instead). Wire one in and this test says
// to write its failing test.
var unreachable = map[string]bool{}

// TestEveryRuleIsTested: every rule id a decider can return has a test that
// breaks it, and rule ids are unique and namespaced.
func TestEveryRuleIsTested(t *testing.T) {
	fset := token.NewFileSet()
	rules := map[string]string{} // constant → id
	usedInCode := map[string]bool{}
	usedInTests := map[string]bool{}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("listing the package's files: %v", err)
	}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		test := strings.HasSuffix(name, "_test.go")
		if name == "rules.go" {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, id := range vs.Names {
						if !strings.HasPrefix(id.Name, "Rule") {
							continue
						}
						v, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
						if err != nil {
							t.Fatalf("%s: %v", id.Name, err)
						}
						rules[id.Name] = v
					}
				}
			}
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "domain" && test {
					usedInTests[n.Sel.Name] = true
				}
			case *ast.Ident:
				if !test {
					usedInCode[n.Name] = true
				}
			}
			return true
		})
	}
	if len(rules) == 0 {
		t.Fatal("found no rule constants in rules.go")
	}
	ids := map[string]string{}
	for name, id := range rules {
		if !strings.HasPrefix(id, "purchasing.") {
			t.Errorf("%s = %q is not in the purchasing namespace", name, id)
		}
		if other, dup := ids[id]; dup {
			t.Errorf("%s and %s share the id %q", name, other, id)
		}
		ids[id] = name
		switch {
		case unreachable[name] && usedInCode[name]:
			t.Errorf("%s is now returned by a decider: take it off the unreachable list and test it", name)
		case unreachable[name]:
		case !usedInCode[name]:
			t.Errorf("%s is declared but no decider returns it", name)
		case !usedInTests[name]:
			t.Errorf("%s has no test that breaks it", name)
		}
	}
	for name := range unreachable {
		if _, ok := rules[name]; !ok {
			t.Errorf("%s is on the unreachable list but not in rules.go", name)
		}
	}
}
