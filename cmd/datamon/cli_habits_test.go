package main

import (
	"bytes"
	"strings"
	"testing"
)

// A typo in a subcommand is a usage error (exit 64), not the group's help
// with exit 0; the group alone still prints its help.
func TestUnknownSubcommandExits64(t *testing.T) {
	e := newTestEnv(t)
	for _, args := range [][]string{{"repo", "lst"}, {"cluster", "membrs"}, {"bundle", "mount", "nwe"}} {
		out, errOut, code := e.run(t, "", args...)
		if code != exitUsage || !strings.Contains(errOut, "unknown command") || out != "" {
			t.Errorf("datamon %v: exit %d, stdout %q, stderr %q; want 64 and \"unknown command\"", args, code, out, errOut)
		}
	}
	_, errOut, _ := e.run(t, "", "repo", "lst")
	if !strings.Contains(errOut, "did you mean list?") {
		t.Errorf("no suggestion: %q", errOut)
	}
	if out, _, code := e.run(t, "", "repo"); code != 0 || !strings.Contains(out, "Available Commands") {
		t.Errorf("datamon repo: exit %d, %q", code, out)
	}
}

// Without any configuration the error says where the CLI looked.
func TestNoConfigSaysWhereItLooked(t *testing.T) {
	var out, errOut bytes.Buffer
	home := t.TempDir()
	a := newApp(strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	a.home = func() (string, error) { return home, nil }
	root := a.rootCmd()
	root.SetArgs([]string{"repo", "list"})
	err := root.Execute()
	if err == nil {
		t.Fatal("repo list without any config succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"no config", home + "/.datamon/client.yaml does not exist", "DATAMON_CONFIG unset", "--server"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if exitCode(err) != exitError {
		t.Errorf("exit %d, want 1", exitCode(err))
	}
}

// Sizes in the default text outputs are in human units.
func TestDurabilityTextHumanUnits(t *testing.T) {
	var b bytes.Buffer
	st := struct {
		LayoutVersion, DegradedChunks, Misplaced int
		Policy                                   string
		LayoutVersions                           []int
		RebalanceDone                            bool
		RepairRate                               int64
		Nodes                                    []struct{}
	}{RepairRate: 64 << 20}
	if err := render(&b, "text", fmtDurability[:strings.Index(fmtDurability, "{{range .Nodes}}")], st); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "repair_rate: 64.0 MiB/s") {
		t.Fatalf("durability header %q: want the repair rate in human units", b.String())
	}
}

// A malformed label name is refused before anything is sent, and the
// message is about the label (not a missing repo).
func TestLabelSetBadLabelName(t *testing.T) {
	e := newTestEnv(t)
	_, errOut, code := e.run(t, "", "label", "set", "--repo", "r1", "--label", "bad/label", "--bundle", "b")
	if code != exitUsage || !strings.Contains(errOut, "--label") || strings.Contains(errOut, "repo") {
		t.Fatalf("label set with a bad label name: exit %d %q", code, errOut)
	}
}
