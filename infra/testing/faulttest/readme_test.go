//go:build cluster

package faulttest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestREADMEExamples runs the README's "Try it" block as written, against
// the test cluster (only B changes), failing on any HTTP error: every curl
// gets -f, and the block runs with errexit and pipefail.
func TestREADMEExamples(t *testing.T) {
	raw, err := os.ReadFile(repo + "/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(raw), "## Try it\n")
	if !ok {
		t.Fatal(`README.md has no "## Try it" section`)
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatal("no sh block in Try it")
	}
	block, _, _ = strings.Cut(block, "```")
	const bLine = "B=http://127.0.0.1:9000/api/v1\n"
	if !strings.HasPrefix(block, bLine) {
		t.Fatalf("the block must start with %q (the test points it at its own cluster), starts %q", bLine, block[:min(60, len(block))])
	}
	script := "set -euo pipefail\ncurl() { command curl -f --max-time 10 \"$@\"; echo; }\n" +
		"B=" + front + "\n" + strings.TrimPrefix(block, bLine)
	cmd := exec.Command("bash", "-c", script)
	out, err := cmd.CombinedOutput()
	var shown []string
	for _, line := range strings.Split(string(out), "\n") {
		if len(line) > 160 {
			line = line[:160] + " …"
		}
		shown = append(shown, line)
	}
	t.Logf("README's Try it, run against %s:\n%s", front, strings.Join(shown, "\n"))
	if err != nil {
		t.Fatalf("the README's example failed (%v): see its output above", err)
	}
	for _, want := range []string{`"districts"`, `"version":2`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the examples' output lacks %s", want)
		}
	}
}
