package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMountLogDirFollowsXDG(t *testing.T) {
	state, home := t.TempDir(), t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": state}
	a := newApp(strings.NewReader(""), os.Stdout, os.Stderr, func(k string) string { return env[k] })
	a.home = func() (string, error) { return home, nil }
	if d, err := a.mountLogDir(); err != nil || d != filepath.Join(state, "datamon", "mounts") {
		t.Fatalf("with XDG_STATE_HOME: %q %v", d, err)
	}
	delete(env, "XDG_STATE_HOME")
	d, err := a.mountLogDir()
	if err != nil || d != filepath.Join(home, ".local", "state", "datamon", "mounts") {
		t.Fatalf("without XDG_STATE_HOME: %q %v", d, err)
	}
	if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("log dir mode: %v %v", fi, err)
	}
}

// Each new mount log prunes logs past the age limit and beyond the newest
// mountLogsKeep; other files are left alone.
func TestMountLogsArePruned(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	for i := 0; i < 30; i++ {
		p := filepath.Join(dir, "mount-old-"+string(rune('a'+i))+".log")
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		age := time.Duration(i) * time.Hour
		if i == 0 {
			age = 8 * 24 * time.Hour // past the age limit although the newest by name
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	other := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := newMountLog(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	logs, _ := filepath.Glob(filepath.Join(dir, "mount-*.log"))
	if len(logs) != mountLogsKeep {
		t.Fatalf("%d logs after pruning, want %d", len(logs), mountLogsKeep)
	}
	if _, err := os.Stat(filepath.Join(dir, "mount-old-a.log")); err == nil {
		t.Fatal("a log past the age limit was kept")
	}
	if _, err := os.Stat(filepath.Join(dir, "mount-old-b.log")); err != nil {
		t.Fatal("a recent log was removed")
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatal("a file that is not a mount log was removed")
	}
}
