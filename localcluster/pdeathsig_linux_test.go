//go:build linux

package localcluster

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A node started by a supervisor (or a test binary) that dies without
// stopping it must die too: a timed-out test must not leave nodes running.
// The test re-executes itself as a "supervisor" that starts a long-running
// child with the node's process attributes, kills that supervisor with
// SIGKILL, and waits for the child to disappear.
func TestNodesDieWithTheirSupervisor(t *testing.T) {
	if os.Getenv("DATAMON_PDEATHSIG_SUPERVISOR") == "1" {
		cmd := exec.Command("sleep", "300")
		cmd.SysProcAttr = ownProcessGroup()
		if err := cmd.Start(); err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		fmt.Println("CHILD", cmd.Process.Pid)
		select {} // until killed
	}
	sup := exec.Command(os.Args[0], "-test.run", "^TestNodesDieWithTheirSupervisor$")
	sup.Env = append(os.Environ(), "DATAMON_PDEATHSIG_SUPERVISOR=1")
	out, err := sup.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	defer sup.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "CHILD ") {
		t.Fatalf("supervisor said %q (%v)", line, err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "CHILD ")))
	if err != nil {
		t.Fatal(err)
	}
	if !alive(child) {
		t.Fatalf("child %d is not running before the supervisor dies", child)
	}
	if err := sup.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = sup.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for alive(child) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("child %d still running 30s after its supervisor was killed", child)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid exists and is not a zombie (a reparented zombie
// may wait for a reaper that a container's init never runs).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}
