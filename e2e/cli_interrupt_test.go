package e2e

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Ctrl-C during an upload says what it means and exits 130. The "server"
// accepts connections and never answers, so the upload is certainly in
// flight when the signal arrives.
func TestUploadInterruptedExits130(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
			accepted.Add(1)
		}
	}()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), bytes.Repeat([]byte("x"), 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "bundle", "upload", "--server", "http://"+ln.Addr().String(),
		"--repo", "r", "--path", dir, "--message", "m")
	cmd.Env = append(os.Environ(), "DATAMON_CONFIG=", "HOME="+t.TempDir(), "DATAMON_ACCESS_KEY=AK", "DATAMON_SECRET_KEY=secret")
	cmd.SysProcAttr = dieWithTest()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for accepted.Load() == 0 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the upload never connected; stderr: %s", errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("connected after %s", time.Since(deadline.Add(-60*time.Second)))
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("upload still running 60s after SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want 130; stderr: %s", err, errb.String())
	}
	if got := errb.String(); !strings.Contains(got, "interrupted: nothing was committed; re-running resumes") || strings.Contains(got, "context canceled") {
		t.Fatalf("stderr %q: want the interruption explained, not \"context canceled\"", got)
	}
}
