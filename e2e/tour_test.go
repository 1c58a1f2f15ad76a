package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReadmeTour runs the README's tour as written (see tour_parse_test.go
// for the rules): `datamon cluster local` the way `make run` starts it, then
// every ```sh block of the tour in order in one bash session, from a
// directory laid out like a checkout (bin/datamon, ./datamon-local). It
// fails on any command that exits non-zero and on any `#>` line that the
// command no longer prints.
func TestReadmeTour(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process cluster test; run without -short")
	}
	for _, tool := range []string{"bash", "aws", "fusermount3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the tour needs %s (make deps installs it): %v", tool, err)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseTour(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if doc.ShBlocks < 5 || len(doc.Units) < 20 {
		t.Fatalf("the tour has only %d runnable blocks / %d commands: parsing is broken", doc.ShBlocks, len(doc.Units))
	}

	work := t.TempDir()
	if err := os.MkdirAll(filepath.Join(work, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(work, "bin", "datamon")); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(work, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	env := tourEnv(home)

	nodes, sites := makeRunTopology(t, string(readme))
	ready := startTourCluster(t, work, env, nodes, sites)
	if p, ok := matchInOrder(ready, doc.ReadyOut, true); !ok {
		t.Errorf("README's make-run output no longer matches: line %q not printed\n--- printed:\n%s", p, ready)
	}
	t.Cleanup(func() { unmountUnder(t, work) })

	var script strings.Builder
	script.WriteString("set -euo pipefail\nexec 2>&1\n")
	for i, u := range doc.Units {
		fmt.Fprintf(&script, "echo '@@TOUR %d@@'\n%s\n", i, u.Cmd)
	}
	script.WriteString("echo '@@TOUR END@@'\n")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir, cmd.Env, cmd.SysProcAttr = work, env, dieWithTest()
	out, runErr := cmd.CombinedOutput()
	outputs, last := splitTourOutput(string(out), len(doc.Units))
	if runErr != nil || last != len(doc.Units) {
		i := last
		if i >= len(doc.Units) {
			i = len(doc.Units) - 1
		}
		u := doc.Units[i]
		t.Fatalf("README line %d (block %d) failed (%v):\n  %s\n--- its output:\n%s", u.Line, u.Block, runErr, u.Cmd, outputs[i])
	}
	for i, u := range doc.Units {
		if p, ok := matchInOrder(outputs[i], u.Expect, false); !ok {
			t.Errorf("README line %d: `%s` no longer prints %q\n--- it printed:\n%s", u.Line, u.Cmd, p, outputs[i])
		}
	}
}

// makeRunTopology reads the node and site counts `make run` uses from the
// README's "make run  # = bin/datamon cluster local --nodes N --sites M" line
// and checks that the Makefile's defaults say the same.
func makeRunTopology(t *testing.T, readme string) (nodes, sites string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^make run\s+# = bin/datamon cluster local --nodes (\d+) --sites (\d+)`).FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("README does not say what `make run` runs (make run  # = bin/datamon cluster local --nodes N --sites M)")
	}
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"NODES", m[1]}, {"SITES", m[2]}} {
		if !regexp.MustCompile(`(?m)^` + kv[0] + `\s+\?=\s*` + kv[1] + `\s*$`).Match(mk) {
			t.Fatalf("README says make run uses %s=%s, the Makefile does not", kv[0], kv[1])
		}
	}
	return m[1], m[2]
}

// tourEnv is a clean environment: nothing of the caller's datamon or AWS
// settings leaks into the tour, and HOME is private to the test.
func tourEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "DATAMON_") || strings.HasPrefix(k, "AWS_") || k == "HOME" || k == "S3" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home, "XDG_STATE_HOME="+filepath.Join(home, ".local", "state"))
}

// startTourCluster runs `bin/datamon cluster local` in work (as `make run`
// does, on free ports) until it prints that it is ready, and stops it with
// SIGINT (Ctrl-C) at cleanup. It returns what it printed.
func startTourCluster(t *testing.T, work string, env []string, nodes, sites string) string {
	t.Helper()
	n, _ := strconv.Atoi(nodes)
	for attempt := 0; ; attempt++ {
		base := freeBasePort(t, n)
		cmd := exec.Command(filepath.Join(work, "bin", "datamon"), "cluster", "local", "--nodes", nodes, "--sites", sites,
			"--dir", "./datamon-local", "--base-port", strconv.Itoa(base), "--ready-timeout", "4m")
		cmd.Dir, cmd.Env, cmd.SysProcAttr = work, env, dieWithTest()
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var errb fuseBuf
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 256)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		var printed strings.Builder
		deadline := time.After(5 * time.Minute)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					_ = cmd.Wait()
					if strings.Contains(errb.String(), "is taken") && attempt < 3 {
						break wait // a port was taken between our check and the start
					}
					dumpLogs(t, filepath.Join(work, "datamon-local"))
					t.Fatalf("cluster local exited before ready:\n%s%s", printed.String(), errb.String())
				}
				printed.WriteString(l + "\n")
				if strings.Contains(l, "press Ctrl-C") {
					go func() {
						for range lines {
						}
					}()
					t.Cleanup(func() { stopTourCluster(t, cmd, work) })
					return printed.String()
				}
			case <-deadline:
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				dumpLogs(t, filepath.Join(work, "datamon-local"))
				t.Fatalf("cluster local not ready after 5m:\n%s%s", printed.String(), errb.String())
			}
		}
	}
}

func stopTourCluster(t *testing.T, cmd *exec.Cmd, work string) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("cluster local did not stop within 2m of Ctrl-C")
	}
	if t.Failed() {
		dumpLogs(t, filepath.Join(work, "datamon-local"))
	}
}

// freeBasePort finds a base port whose 10*nodes ports are all free now.
func freeBasePort(t *testing.T, nodes int) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if base+10*nodes > 65000 {
			continue
		}
		ok := true
		for p := base; p < base+10*nodes && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free range of ports")
	return 0
}

// splitTourOutput cuts the session's output at the unit markers. last is the
// index of the last unit that started (n when the END marker was reached).
func splitTourOutput(out string, n int) (outputs []string, last int) {
	outputs = make([]string, n)
	cur := -1
	var b strings.Builder
	save := func() {
		if cur >= 0 && cur < n {
			outputs[cur] = b.String()
		}
		b.Reset()
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "@@TOUR ") && strings.HasSuffix(l, "@@") {
			save()
			v := strings.TrimSuffix(strings.TrimPrefix(l, "@@TOUR "), "@@")
			if v == "END" {
				cur = n
			} else if i, err := strconv.Atoi(v); err == nil {
				cur = i
			}
			continue
		}
		b.WriteString(l + "\n")
	}
	save()
	if cur < 0 {
		cur = 0
	}
	return outputs, cur
}

// unmountUnder lazily unmounts every FUSE mount the tour left under dir.
func unmountUnder(t *testing.T, dir string) {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && strings.HasPrefix(f[1], dir) {
			if out, err := exec.Command("fusermount3", "-u", "-z", f[1]).CombinedOutput(); err != nil {
				t.Logf("unmount %s: %v %s", f[1], err, out)
			}
		}
	}
}
