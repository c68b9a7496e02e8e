// Package deploy holds the test of the Kubernetes manifests (k8s/), the
// NATS Helm values (nats-helm/) and the container build (docker/). A
// cluster cannot run here, so every manifest is read strictly into the
// Kubernetes API types (an unknown or misspelt field fails), every overlay
// is built with kustomize, and what the objects say of each other is
// checked: selectors, ports, probes, Secrets, and each command's flags
// against the flags the command defines.
package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// k8sScheme knows every kind the manifests may hold.
var k8sScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

// k8sOverlays are the overlays a cluster is deployed from.
var k8sOverlays = []string{"k8s/overlays/dev", "k8s/overlays/production"}

// k8sDecode reads one YAML document strictly into its Kubernetes type.
func k8sDecode(doc []byte) (runtime.Object, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, err
	}
	gvk := schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind)
	obj, err := k8sScheme.New(gvk)
	if err != nil {
		return nil, fmt.Errorf("kind %s: %w", gvk, err)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, fmt.Errorf("%s: %w", gvk.Kind, err)
	}
	return obj, nil
}

// k8sPatchOp is one operation of a JSON 6902 patch file.
type k8sPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	From  string `json:"from,omitempty"`
	Value any    `json:"value,omitempty"`
}

var k8sDocSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// k8sDocs splits a YAML file into its documents, leaving out empty ones.
func k8sDocs(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range k8sDocSep.Split(string(data), -1) {
		var v any
		if err := yaml.Unmarshal([]byte(d), &v); err == nil && v == nil {
			continue // only comments
		}
		docs = append(docs, []byte(d))
	}
	return docs
}

// k8sDecodeFile reads every document of a manifest file strictly: a
// kustomization into kustomize's type, a JSON 6902 patch into its
// operations, anything else into its Kubernetes type.
func k8sDecodeFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	docs := k8sDocs(data)
	if len(docs) == 0 {
		return errors.New("no document")
	}
	for i, doc := range docs {
		var top any
		if err := yaml.Unmarshal(doc, &top); err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		switch top.(type) {
		case []any:
			var ops []k8sPatchOp
			if err := yaml.UnmarshalStrict(doc, &ops); err != nil {
				return fmt.Errorf("document %d (JSON patch): %w", i+1, err)
			}
			for _, op := range ops {
				if !slices.Contains([]string{"add", "remove", "replace", "move", "copy", "test"}, op.Op) || !strings.HasPrefix(op.Path, "/") {
					return fmt.Errorf("document %d: patch operation %q on %q", i+1, op.Op, op.Path)
				}
			}
		default:
			if filepath.Base(path) == "kustomization.yaml" {
				var k kusttypes.Kustomization
				if err := yaml.UnmarshalStrict(doc, &k); err != nil {
					return fmt.Errorf("kustomization: %w", err)
				}
				continue
			}
			if _, err := k8sDecode(doc); err != nil {
				return fmt.Errorf("document %d: %w", i+1, err)
			}
		}
	}
	return nil
}

// TestK8sManifestsStrict reads every file under k8s/ strictly.
func TestK8sManifestsStrict(t *testing.T) {
	n := 0
	err := filepath.WalkDir("k8s", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(path, ".yaml") {
			t.Errorf("%s: manifests are .yaml files", path)
			return nil
		}
		n++
		if err := k8sDecodeFile(path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no manifests under k8s/")
	}
}

// TestK8sDecodeIsStrict: the decoder refuses what a cluster would not
// know, so the test above means something.
func TestK8sDecodeIsStrict(t *testing.T) {
	for name, doc := range map[string]string{
		"misspelt field": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n",
		"unknown kind":   "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n",
		"wrong type":     "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: {port: 1}\n",
		"duplicate key":  "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nmetadata: {name: y}\n",
	} {
		if _, err := k8sDecode([]byte(doc)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	var ops []k8sPatchOp
	if err := yaml.UnmarshalStrict([]byte("- op: add\n  path: /a\n  vaule: 1\n"), &ops); err == nil {
		t.Error("a patch with a misspelt field decoded without error")
	}
}

// k8sBuilt is one overlay's objects, built by kustomize.
type k8sBuilt struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	pdbs        []*policyv1.PodDisruptionBudget
	policies    []*networkingv1.NetworkPolicy
	secrets     map[string]*corev1.Secret
	configMaps  map[string]*corev1.ConfigMap
}

// k8sBuild builds dir with kustomize and reads each object strictly.
func k8sBuild(t *testing.T, dir string) k8sBuilt {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	b := k8sBuilt{secrets: map[string]*corev1.Secret{}, configMaps: map[string]*corev1.ConfigMap{}}
	for _, r := range m.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj, err := k8sDecode(doc)
		if err != nil {
			t.Errorf("%s: %s %s: %v", dir, r.GetKind(), r.GetName(), err)
			continue
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			b.deployments = append(b.deployments, o)
		case *corev1.Service:
			b.services = append(b.services, o)
		case *policyv1.PodDisruptionBudget:
			b.pdbs = append(b.pdbs, o)
		case *networkingv1.NetworkPolicy:
			b.policies = append(b.policies, o)
		case *corev1.Secret:
			b.secrets[o.Name] = o
		case *corev1.ConfigMap:
			b.configMaps[o.Name] = o
		}
	}
	return b
}

// k8sPlaceholders are the Secrets and ConfigMaps of the placeholders
// component: what production must create, by the same names and keys.
func k8sPlaceholders(t *testing.T) k8sBuilt {
	t.Helper()
	b := k8sBuilt{secrets: map[string]*corev1.Secret{}, configMaps: map[string]*corev1.ConfigMap{}}
	for _, f := range []string{"k8s/placeholders/secrets.yaml", "k8s/placeholders/configmaps.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range k8sDocs(data) {
			obj, err := k8sDecode(doc)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			switch o := obj.(type) {
			case *corev1.Secret:
				b.secrets[o.Name] = o
			case *corev1.ConfigMap:
				b.configMaps[o.Name] = o
			}
		}
	}
	return b
}

// k8sKeys are the keys of a Secret (data or stringData) or ConfigMap.
func k8sSecretKeys(s *corev1.Secret) []string {
	var keys []string
	for k := range s.Data {
		keys = append(keys, k)
	}
	for k := range s.StringData {
		keys = append(keys, k)
	}
	return keys
}

func k8sConfigMapKeys(c *corev1.ConfigMap) []string {
	var keys []string
	for k := range c.Data {
		keys = append(keys, k)
	}
	return keys
}

// k8sCommands are the commands that run in the cluster: one per
// services/<name>/cmd/<name>, so a new service without manifests fails.
func k8sCommands(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../services/*/cmd/*")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range dirs {
		if filepath.Base(d) == filepath.Base(filepath.Dir(filepath.Dir(d))) {
			names = append(names, filepath.Base(d))
		}
	}
	if len(names) < 6 {
		t.Fatalf("found only %v under services/*/cmd", names)
	}
	sort.Strings(names)
	return names
}

// k8sFlagsIn are the flag names that the Go files define with the flag
// package (flag.String("name", …), fs.StringVar(&v, "name", …), …); only
// in the function named fn when fn is not "".
func k8sFlagsIn(t *testing.T, files []string, fn string) map[string]bool {
	t.Helper()
	flags := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || (fn != "" && fd.Name.Name != fn) {
				continue
			}
			ast.Inspect(fd, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || (x.Name != "flag" && x.Name != "fs") {
					return true
				}
				arg := 0
				if strings.HasSuffix(sel.Sel.Name, "Var") {
					arg = 1
				}
				if len(call.Args) <= arg {
					return true
				}
				if lit, ok := call.Args[arg].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if name, err := strconv.Unquote(lit.Value); err == nil {
						flags[name] = true
					}
				}
				return true
			})
		}
	}
	return flags
}

// k8sCommandFlags are the flags each command accepts: a service's are the
// kit's (servicecmd) and its own cmd's; the portal's are its own and the
// NATS flags it registers from servicecmd.
func k8sCommandFlags(t *testing.T, commands []string) map[string]map[string]bool {
	t.Helper()
	servicecmd, err := filepath.Glob("../services/kit/servicecmd/*.go")
	if err != nil {
		t.Fatal(err)
	}
	servicecmd = slices.DeleteFunc(servicecmd, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	all := map[string]map[string]bool{}
	for _, name := range commands {
		files, err := filepath.Glob(filepath.Join("../services", name, "cmd", name, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
		flags := k8sFlagsIn(t, files, "")
		kit := k8sFlagsIn(t, servicecmd, "")
		if name == "portal" {
			kit = k8sFlagsIn(t, servicecmd, "Register")
		}
		for f := range kit {
			flags[f] = true
		}
		all[name] = flags
	}
	if !all["framework"]["listen"] || !all["framework"]["nats-ca"] || !all["portal"]["nats-ca"] || !all["portal"]["signing-key"] {
		t.Fatalf("the flag reader missed flags: %v", all)
	}
	return all
}

// k8sPendingFlags are flags the manifests set before the commands define
// them, with the work that adds them; tolerated only while undefined.
var k8sPendingFlags = map[string]string{
	"metrics-addr": "issue 17, item 7: each command serves Prometheus metrics on -metrics-addr",
}

// k8sArgs parses Go-style flags (-name=value or -name) into a map, the
// last one winning as in the flag package.
func k8sArgs(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return nil, fmt.Errorf("argument %q: the manifests write every flag as -name=value", a)
		}
		name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !ok {
			value = "true"
		}
		out[name] = value
	}
	return out, nil
}

func k8sSelects(sel *metav1.LabelSelector, podLabels map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return s.Matches(labels.Set(podLabels))
}

func k8sPort(c corev1.Container, name string) (corev1.ContainerPort, bool) {
	for _, p := range c.Ports {
		if p.Name == name {
			return p, true
		}
	}
	return corev1.ContainerPort{}, false
}

// TestK8sOverlays builds every overlay and checks its objects against
// each other and against the commands.
func TestK8sOverlays(t *testing.T) {
	commands := k8sCommands(t)
	flags := k8sCommandFlags(t, commands)
	placeholders := k8sPlaceholders(t)
	for _, dir := range k8sOverlays {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b := k8sBuild(t, dir)
			k8sCheckOverlay(t, b, placeholders, commands, flags)
		})
	}
}

func k8sCheckOverlay(t *testing.T, b k8sBuilt, placeholders k8sBuilt, commands []string, flags map[string]map[string]bool) {
	byName := map[string]*appsv1.Deployment{}
	for _, d := range b.deployments {
		byName[d.Name] = d
	}
	for _, name := range commands {
		if byName[name] == nil {
			t.Errorf("no Deployment for services/%s/cmd/%s", name, name)
		}
	}
	// The default deny, so that the policies below are all that is allowed.
	denied := false
	for _, p := range b.policies {
		if len(p.Spec.PodSelector.MatchLabels) == 0 && len(p.Spec.PodSelector.MatchExpressions) == 0 &&
			len(p.Spec.Ingress) == 0 && len(p.Spec.Egress) == 0 && slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) &&
			slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
			denied = true
		}
	}
	if !denied {
		t.Error("no NetworkPolicy denies ingress and egress by default")
	}
	// Secrets and ConfigMaps: in the overlay, or else made by the operator
	// under the placeholders' names and keys.
	secret := func(name string) *corev1.Secret {
		if s := b.secrets[name]; s != nil {
			return s
		}
		return placeholders.secrets[name]
	}
	configMap := func(name string) *corev1.ConfigMap {
		if c := b.configMaps[name]; c != nil {
			return c
		}
		return placeholders.configMaps[name]
	}
	serviceByName := map[string]*corev1.Service{}
	for _, s := range b.services {
		serviceByName[s.Name] = s
	}

	for _, d := range b.deployments {
		name := d.Name
		pod := d.Spec.Template
		if !k8sSelects(d.Spec.Selector, pod.Labels) {
			t.Errorf("%s: the Deployment's selector does not match its pods", name)
		}
		// Every Deployment: a PDB and a NetworkPolicy (beyond the namespace-wide ones).
		pdbs := 0
		for _, p := range b.pdbs {
			if k8sSelects(p.Spec.Selector, pod.Labels) {
				pdbs++
				if p.Spec.MaxUnavailable == nil && p.Spec.MinAvailable == nil {
					t.Errorf("%s: PodDisruptionBudget %s sets neither maxUnavailable nor minAvailable", name, p.Name)
				}
			}
		}
		if pdbs != 1 {
			t.Errorf("%s: %d PodDisruptionBudgets select its pods, want 1", name, pdbs)
		}
		var own []*networkingv1.NetworkPolicy
		for _, p := range b.policies {
			if len(p.Spec.PodSelector.MatchLabels)+len(p.Spec.PodSelector.MatchExpressions) > 0 && k8sSelects(&p.Spec.PodSelector, pod.Labels) {
				own = append(own, p)
			}
		}
		if len(own) == 0 {
			t.Errorf("%s: no NetworkPolicy selects its pods", name)
		}
		if len(pod.Spec.Containers) != 1 {
			t.Errorf("%s: %d containers, want 1", name, len(pod.Spec.Containers))
			continue
		}
		c := pod.Spec.Containers[0]
		// Named ports in the policies are this container's.
		for _, p := range own {
			for _, r := range p.Spec.Ingress {
				for _, port := range r.Ports {
					if port.Port != nil && port.Port.Type == intstr.String {
						if _, ok := k8sPort(c, port.Port.StrVal); !ok {
							t.Errorf("%s: NetworkPolicy %s allows port %q, which the container does not name", name, p.Name, port.Port.StrVal)
						}
					}
				}
			}
		}
		if strings.HasPrefix(c.Image, "carecoop-") {
			t.Errorf("%s: image %q is the base's placeholder: the overlay sets images", name, c.Image)
		}
		// Resources.
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: wants cpu and memory requests and a memory limit, has %v", name, c.Resources)
		}
		// Probes point at the container's named ports.
		probes := map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe}
		for kind, p := range probes {
			if p == nil {
				if kind != "startup" {
					t.Errorf("%s: no %s probe", name, kind)
				}
				continue
			}
			switch {
			case p.GRPC != nil:
				// A gRPC probe's port is a number: it must be the port named grpc.
				gp, ok := k8sPort(c, "grpc")
				if !ok || gp.ContainerPort != p.GRPC.Port {
					t.Errorf("%s: %s probe on gRPC port %d, not the container's port named grpc", name, kind, p.GRPC.Port)
				}
			case p.TCPSocket != nil:
				k8sProbePort(t, name, kind, c, p.TCPSocket.Port)
			case p.HTTPGet != nil:
				k8sProbePort(t, name, kind, c, p.HTTPGet.Port)
			default:
				t.Errorf("%s: %s probe has no handler", name, kind)
			}
		}
		// Services (gRPC) are ready when their health is SERVING.
		if name != "portal" && (c.ReadinessProbe == nil || c.ReadinessProbe.GRPC == nil) {
			t.Errorf("%s: readiness is the gRPC health (read models caught up), not a gRPC probe here", name)
		}
		// Volumes: each Secret and ConfigMap exists (or is the operator's to make).
		mounts := map[string]string{} // mount path -> volume
		for _, m := range c.VolumeMounts {
			mounts[m.MountPath] = m.Name
		}
		volumes := map[string]corev1.Volume{}
		for _, v := range pod.Spec.Volumes {
			volumes[v.Name] = v
			switch {
			case v.Secret != nil:
				if secret(v.Secret.SecretName) == nil {
					t.Errorf("%s: volume %s: no Secret %s", name, v.Name, v.Secret.SecretName)
				}
			case v.ConfigMap != nil:
				if configMap(v.ConfigMap.Name) == nil {
					t.Errorf("%s: volume %s: no ConfigMap %s", name, v.Name, v.ConfigMap.Name)
				}
			}
		}
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				t.Errorf("%s: mount %s names no volume", name, m.Name)
			}
		}
		env := map[string]corev1.EnvVar{}
		for _, e := range c.Env {
			env[e.Name] = e
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				ref := e.ValueFrom.SecretKeyRef
				s := secret(ref.Name)
				if s == nil {
					t.Errorf("%s: env %s: no Secret %s", name, e.Name, ref.Name)
				} else if !slices.Contains(k8sSecretKeys(s), ref.Key) {
					t.Errorf("%s: env %s: Secret %s has no key %s", name, e.Name, ref.Name, ref.Key)
				}
			}
		}
		// Flags: each one the command defines, the required ones set, and
		// each file a flag names mounted from a Secret or ConfigMap key.
		args, err := k8sArgs(c.Args)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		defined := flags[name]
		if defined == nil {
			t.Errorf("%s: no command services/%s/cmd/%s", name, name, name)
			continue
		}
		for f := range args {
			if defined[f] {
				continue
			}
			if why, ok := k8sPendingFlags[f]; ok {
				t.Logf("%s: -%s is not defined yet (%s)", name, f, why)
				continue
			}
			t.Errorf("%s: -%s is not a flag of services/%s/cmd/%s", name, f, name, name)
		}
		for f, v := range args {
			if !strings.HasPrefix(v, "/") {
				continue
			}
			vol, ok := mounts[filepath.Dir(v)]
			if !ok {
				t.Errorf("%s: -%s=%s: nothing is mounted at %s", name, f, v, filepath.Dir(v))
				continue
			}
			var keys []string
			switch src := volumes[vol]; {
			case src.Secret != nil && secret(src.Secret.SecretName) != nil:
				keys = k8sSecretKeys(secret(src.Secret.SecretName))
			case src.ConfigMap != nil && configMap(src.ConfigMap.Name) != nil:
				keys = k8sConfigMapKeys(configMap(src.ConfigMap.Name))
			}
			if !slices.Contains(keys, filepath.Base(v)) {
				t.Errorf("%s: -%s=%s: volume %s has no key %s", name, f, v, vol, filepath.Base(v))
			}
		}
		need := []string{"listen", "nats", "nats-ca"}
		if name == "portal" {
			need = append(need, "signing-key", "oidc-config", "tls-cert", "tls-key", "framework", "purchasing", "demand", "monitoring", "notify")
		} else {
			need = append(need, "replicas", "jwt-public-key")
			if args["insecure"] != "true" && (args["tls-cert"] == "" || args["tls-key"] == "") {
				t.Errorf("%s: listens beyond loopback: needs -tls-cert and -tls-key, or -insecure", name)
			}
		}
		if name == "notify" {
			need = append(need, "portal-url", "channel")
		}
		for _, f := range need {
			if args[f] == "" {
				t.Errorf("%s: -%s is not set", name, f)
			}
		}
		// It listens on its named port, where its Service sends.
		portName := "grpc"
		if name == "portal" {
			portName = "https"
		}
		cp, ok := k8sPort(c, portName)
		if !ok {
			t.Errorf("%s: no container port named %s", name, portName)
		} else if !strings.HasSuffix(args["listen"], ":"+strconv.Itoa(int(cp.ContainerPort))) || !strings.HasPrefix(args["listen"], "0.0.0.0:") {
			t.Errorf("%s: -listen=%s, but its %s port is %d on every address", name, args["listen"], portName, cp.ContainerPort)
		}
		// Its NATS user, as the permissions expect.
		if e, ok := env["NATS_USER"]; !ok || e.Value != name {
			t.Errorf("%s: NATS_USER is %q, want %q", name, e.Value, name)
		}
		if e, ok := env["NATS_PASSWORD"]; !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Key != name {
			t.Errorf("%s: NATS_PASSWORD does not come from its own key of a Secret", name)
		}
		// The portal reaches each service through its Service and port.
		if name == "portal" {
			for _, svc := range commands {
				if svc == "portal" {
					continue
				}
				host, port, _ := strings.Cut(args[svc], ":")
				s := serviceByName[host]
				if s == nil {
					t.Errorf("portal: -%s=%s: no Service %s", svc, args[svc], host)
					continue
				}
				if !slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return strconv.Itoa(int(p.Port)) == port }) {
					t.Errorf("portal: -%s=%s: Service %s has no port %s", svc, args[svc], host, port)
				}
				if d := byName[svc]; d != nil && !k8sSelects(&metav1.LabelSelector{MatchLabels: s.Spec.Selector}, d.Spec.Template.Labels) {
					t.Errorf("portal: -%s: Service %s does not select the %s pods", svc, host, svc)
				}
			}
			// The client secret the OIDC file names is in the environment.
			if cm := configMap("carecoop-portal-oidc"); cm != nil {
				var oidc struct {
					ClientSecretEnv string `json:"client_secret_env"`
				}
				if err := json.Unmarshal([]byte(cm.Data["oidc.json"]), &oidc); err != nil {
					t.Errorf("portal: oidc.json: %v", err)
				} else if _, ok := env[oidc.ClientSecretEnv]; !ok {
					t.Errorf("portal: oidc.json names client_secret_env %q, which the container does not set", oidc.ClientSecretEnv)
				}
			}
		}
	}
	// Every Service selects a Deployment's pods, on a port they name.
	for _, s := range b.services {
		var pods *appsv1.Deployment
		for _, d := range b.deployments {
			if len(s.Spec.Selector) > 0 && k8sSelects(&metav1.LabelSelector{MatchLabels: s.Spec.Selector}, d.Spec.Template.Labels) {
				pods = d
			}
		}
		if pods == nil {
			t.Errorf("Service %s selects no Deployment's pods", s.Name)
			continue
		}
		for _, p := range s.Spec.Ports {
			if p.TargetPort.Type != intstr.String {
				t.Errorf("Service %s: port %s targets a number, not a named port", s.Name, p.Name)
			} else if _, ok := k8sPort(pods.Spec.Template.Spec.Containers[0], p.TargetPort.StrVal); !ok {
				t.Errorf("Service %s: target port %q is not a port of %s", s.Name, p.TargetPort.StrVal, pods.Name)
			}
		}
	}
}

func k8sProbePort(t *testing.T, name, kind string, c corev1.Container, port intstr.IntOrString) {
	t.Helper()
	if port.Type != intstr.String {
		t.Errorf("%s: %s probe on port %d: name the port", name, kind, port.IntVal)
		return
	}
	if _, ok := k8sPort(c, port.StrVal); !ok {
		t.Errorf("%s: %s probe on port %q, which the container does not name", name, kind, port.StrVal)
	}
}

// TestK8sNATSHelmValues checks the values for the NATS chart against
// what the services need of it: three nodes with JetStream on disk, TLS,
// and a password from the users' Secret for each user of
// deploy/nats/authorization.conf.
func TestK8sNATSHelmValues(t *testing.T) {
	data, err := os.ReadFile("nats-helm/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Config struct {
			Cluster struct {
				Enabled  bool `json:"enabled"`
				Replicas int  `json:"replicas"`
				TLS      struct {
					Enabled    bool   `json:"enabled"`
					SecretName string `json:"secretName"`
					CA         string `json:"ca"`
				} `json:"tls"`
			} `json:"cluster"`
			JetStream struct {
				Enabled   bool `json:"enabled"`
				FileStore struct {
					Enabled bool `json:"enabled"`
					PVC     struct {
						Enabled bool   `json:"enabled"`
						Size    string `json:"size"`
					} `json:"pvc"`
				} `json:"fileStore"`
				MemoryStore struct {
					Enabled bool `json:"enabled"`
				} `json:"memoryStore"`
			} `json:"jetstream"`
			NATS struct {
				TLS struct {
					Enabled    bool   `json:"enabled"`
					SecretName string `json:"secretName"`
				} `json:"tls"`
			} `json:"nats"`
			Monitor struct {
				TLS struct {
					Enabled bool `json:"enabled"`
				} `json:"tls"`
			} `json:"monitor"`
			Merge struct {
				Include string `json:"$include"`
			} `json:"merge"`
		} `json:"config"`
		Container struct {
			Env map[string]struct {
				ValueFrom corev1.EnvVarSource `json:"valueFrom"`
			} `json:"env"`
			Patch []struct {
				Op    string             `json:"op"`
				Path  string             `json:"path"`
				Value corev1.VolumeMount `json:"value"`
			} `json:"patch"`
		} `json:"container"`
		PodTemplate struct {
			Patch []struct {
				Op    string        `json:"op"`
				Path  string        `json:"path"`
				Value corev1.Volume `json:"value"`
			} `json:"patch"`
			TopologySpreadConstraints map[string]struct {
				MaxSkew           int    `json:"maxSkew"`
				WhenUnsatisfiable string `json:"whenUnsatisfiable"`
			} `json:"topologySpreadConstraints"`
		} `json:"podTemplate"`
		PodDisruptionBudget struct {
			Enabled bool `json:"enabled"`
		} `json:"podDisruptionBudget"`
		NATSBox struct {
			Enabled bool `json:"enabled"`
		} `json:"natsBox"`
	}
	// Strict: a key this test does not know is a key to look at.
	if err := yaml.UnmarshalStrict(data, &v); err != nil {
		t.Fatalf("values.yaml: %v", err)
	}
	c := v.Config
	if !c.Cluster.Enabled || c.Cluster.Replicas != 3 {
		t.Errorf("cluster: enabled %v, %d replicas; want three nodes", c.Cluster.Enabled, c.Cluster.Replicas)
	}
	if !c.JetStream.Enabled || !c.JetStream.FileStore.Enabled || !c.JetStream.FileStore.PVC.Enabled || c.JetStream.FileStore.PVC.Size == "" {
		t.Error("JetStream must be on, on a persistent volume")
	}
	if !c.NATS.TLS.Enabled || !c.Cluster.TLS.Enabled || !c.Monitor.TLS.Enabled || c.Cluster.TLS.CA == "" {
		t.Error("TLS must be on for clients, monitoring and (mutual) routes")
	}
	placeholders := k8sPlaceholders(t)
	for _, name := range []string{c.NATS.TLS.SecretName, c.Cluster.TLS.SecretName} {
		s := placeholders.secrets[name]
		if s == nil {
			t.Errorf("TLS Secret %q is not among the placeholders", name)
			continue
		}
		for _, k := range []string{"tls.crt", "tls.key", c.Cluster.TLS.CA} {
			if !slices.Contains(k8sSecretKeys(s), k) {
				t.Errorf("TLS Secret %s has no key %s", name, k)
			}
		}
	}
	// The services make the event stream R3 on it.
	b := k8sBuild(t, "k8s/overlays/production")
	for _, d := range b.deployments {
		if d.Name == "portal" {
			continue
		}
		args, _ := k8sArgs(d.Spec.Template.Spec.Containers[0].Args)
		if args["replicas"] != strconv.Itoa(c.Cluster.Replicas) {
			t.Errorf("production %s: -replicas=%s on a %d-node cluster", d.Name, args["replicas"], c.Cluster.Replicas)
		}
	}
	// Every password the authorization file reads, from the users' Secret.
	auth, err := os.ReadFile("nats/authorization.conf")
	if err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile(`password:\s*\$([A-Z_]+)`).FindAllSubmatch(auth, -1)
	if len(vars) < 7 {
		t.Fatalf("found %d password variables in authorization.conf", len(vars))
	}
	users := placeholders.secrets["carecoop-nats-users"]
	for _, m := range vars {
		name := string(m[1])
		e, ok := v.Container.Env[name]
		src := e.ValueFrom
		if !ok {
			t.Errorf("container.env has no %s", name)
			continue
		}
		user := strings.ToLower(strings.TrimSuffix(name, "_NATS_PASSWORD"))
		if src.SecretKeyRef == nil || src.SecretKeyRef.Name != "carecoop-nats-users" || src.SecretKeyRef.Key != user {
			t.Errorf("%s: want the key %s of Secret carecoop-nats-users", name, user)
		} else if users == nil || !slices.Contains(k8sSecretKeys(users), user) {
			t.Errorf("%s: Secret carecoop-nats-users has no key %s", name, user)
		}
	}
	// The authorization file is included from the ConfigMap's mount.
	if len(v.Container.Patch) != 1 || len(v.PodTemplate.Patch) != 1 {
		t.Fatal("want one volume and its mount patched in")
	}
	mount, vol := v.Container.Patch[0].Value, v.PodTemplate.Patch[0].Value
	if mount.Name != vol.Name || vol.ConfigMap == nil || vol.ConfigMap.Name != "carecoop-nats-authorization" {
		t.Errorf("the mount %s and volume %s do not hold the ConfigMap carecoop-nats-authorization", mount.Name, vol.Name)
	}
	// The chart's nats.conf is in /etc/nats-config; include is relative to it.
	if got := filepath.Join("/etc/nats-config", c.Merge.Include); got != filepath.Join(mount.MountPath, "authorization.conf") {
		t.Errorf("$include resolves to %s, not the mounted %s/authorization.conf", got, mount.MountPath)
	}
}

// TestK8sDockerfile checks the container build against the workspace: it
// copies every module's go.mod (go.work names them all, so a module left
// out fails the build), uses the workspace's Go, and builds a command that
// exists for each Deployment.
func TestK8sDockerfile(t *testing.T) {
	df, err := os.ReadFile("docker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	work, err := os.ReadFile("../go.work")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(work)
	if goVersion == nil || !bytes.Contains(df, []byte("FROM golang:"+string(goVersion[1]))) {
		t.Errorf("the build stage is not FROM golang:%s (go.work)", goVersion[1])
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+\./(\S+)$`).FindAllSubmatch(work, -1) {
		mod := string(m[1])
		if !bytes.Contains(df, []byte(fmt.Sprintf("COPY %s/go.mod %s/go.sum %s/", mod, mod, mod))) {
			t.Errorf("the Dockerfile does not copy %s/go.mod and go.sum (a module of go.work)", mod)
		}
	}
	if !bytes.Contains(df, []byte("./services/${SERVICE}/cmd/${SERVICE}")) || !bytes.Contains(df, []byte("FROM gcr.io/distroless/static")) {
		t.Error("the Dockerfile does not build ./services/${SERVICE}/cmd/${SERVICE} into a distroless static image")
	}
	for _, name := range k8sCommands(t) {
		if _, err := os.Stat(filepath.Join("../services", name, "cmd", name)); err != nil {
			t.Errorf("SERVICE=%s: %v", name, err)
		}
	}
}
