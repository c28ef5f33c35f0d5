package system_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The binaries that ship carry no test or benchmark tooling, and the worker
// none of the operator features nor the HTTP ports; the api only the two
// operator packages its operator page (/ops) shows. Checked on what the
// compiler links in (go list -deps), not on import lines.
func TestBinaries_importNoTestToolingAndOnlyTheOperatorCodeTheyServe(t *testing.T) {
	const module = "github.com/zufang/rental/"
	for _, c := range []struct {
		binary    string
		forbidden []string // package path prefixes under the module
		allowed   []string // exceptions, exact
	}{
		{"cmd/api", []string{"infra/testing/", "infra/ops"},
			[]string{"infra/ops/status", "infra/ops/deadletter"}},
		{"cmd/worker", []string{"infra/testing/", "infra/ops", "infra/httpapi", "infra/web", "infra/system/apiserver"}, nil},
	} {
		deps := goListDeps(t, module+c.binary)
		if !slices.Contains(deps, module+"infra/system") {
			t.Fatalf("%s: go list -deps did not list infra/system, so it listed nothing useful: %v", c.binary, deps)
		}
		for _, d := range deps {
			rel, ok := strings.CutPrefix(d, module)
			if !ok || slices.Contains(c.allowed, rel) {
				continue
			}
			for _, f := range c.forbidden {
				if rel == strings.TrimSuffix(f, "/") || strings.HasPrefix(rel, f) {
					t.Errorf("%s links %s", c.binary, rel)
				}
			}
		}
	}
}

func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}
