package lint

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/datamon-io/datamon"

type pkg struct {
	ImportPath string
	Dir        string
	Name       string
	Doc        string
	Imports    []string
	Deps       []string
	GoFiles    []string
}

// listPackages runs `go list -json` for the module.
func listPackages(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func ours(imports []string) []string {
	var out []string
	for _, i := range imports {
		if strings.HasPrefix(i, module+"/") {
			out = append(out, strings.TrimPrefix(i, module+"/"))
		}
	}
	sort.Strings(out)
	return out
}

// allowed lists, for leaf and domain packages, every package of ours they may import.
var allowed = map[string][]string{
	"erasure":  {},
	"chunk":    {},
	"layout":   {},
	"model":    {"chunk"},
	"manifest": {"chunk", "model"},
	"apiauth":  {},
	"certs":    {},
	"shard":    {"chunk", "erasure", "layout", "model"},
	"raftlog":  {},
	"semver":   {},
	// identity and access (#15): leaves the api, gateway and node use.
	"audit":     {},
	"authlimit": {},
	// exactly-once writes (#22): request IDs shared by client, api, raftmeta.
	"reqid": {},
	// Kubernetes (#20): the CSI driver and the sidecar run the datamon
	// binary for mounts and uploads, so they import none of ours; the
	// manifests' decoder neither.
	"csi":               {},
	"sidecar":           {},
	"deploy/kubernetes": {},
}

func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t, "./...") {
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		want, ok := allowed[rel]
		if !ok {
			continue
		}
		set := map[string]bool{}
		for _, w := range want {
			set[w] = true
		}
		for _, imp := range ours(p.Imports) {
			if !set[imp] {
				t.Errorf("%s imports %s; allowed: %v", rel, imp, want)
			}
		}
	}
}

// TestNodeBuildHasNoCgoFUSE: the server build must not depend on cgofuse.
func TestNodeBuildHasNoCgoFUSE(t *testing.T) {
	for _, p := range listPackages(t, "./node") {
		for _, d := range p.Deps {
			if strings.Contains(d, "cgofuse") || strings.HasSuffix(d, "/fusefs") {
				t.Errorf("node depends on %s", d)
			}
		}
	}
}

func TestEveryPackageHasDoc(t *testing.T) {
	for _, p := range listPackages(t, "./...") {
		if p.Name == "main" {
			continue
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no package doc comment", p.ImportPath)
		}
		switch filepath.Base(p.Dir) {
		case "util", "utils", "common", "helpers", "misc":
			t.Errorf("package %s: name it for what it holds", p.ImportPath)
		}
	}
}
