//go:build unix

package certs

import (
	"syscall"
	"testing"
	"time"
)

// TestReloadOnSIGHUP: with polling off, a real SIGHUP to the process makes
// the reloader pick up new files; the process keeps running.
func TestReloadOnSIGHUP(t *testing.T) {
	caDir := t.TempDir()
	ca := mustCA(t, caDir)
	cfg := nodeFiles(t, ca, caDir, t.TempDir(), "node1")
	cfg.Interval, cfg.SIGHUP = -1, true
	r := mustReloader(t, cfg)
	first := r.Leaf().SerialNumber
	c2, k2 := issue(t, ca, "node1", 0, nil)
	if err := WriteNode(cfg.CertFile, cfg.KeyFile, c2, k2); err != nil {
		t.Fatal(err)
	}
	// Polling is off: only the signal can make the reloader read the files.
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "SIGHUP reload", 5*time.Second, func() bool { return r.Leaf().SerialNumber.Cmp(first) != 0 })
	if r.Reloads() != 1 {
		t.Fatalf("reloads %d", r.Reloads())
	}
}
