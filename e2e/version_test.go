package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// `datamon version` names a real version and commit, not "devel (unknown)".
func TestVersionIsStamped(t *testing.T) {
	out, err := exec.Command(binary, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("datamon version: %v\n%s", err, out)
	}
	if s := string(out); strings.Contains(s, "devel") || strings.Contains(s, "unknown") {
		t.Fatalf("version not stamped: %q", s)
	}
}
