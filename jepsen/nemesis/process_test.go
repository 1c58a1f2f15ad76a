package nemesis

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ticker is a child that appends a line to file every 20ms; its first
// argument (the clock offset) is written to file+".off".
func ticker(t *testing.T) (*CmdProcess, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ticks")
	p := NewCmdProcess("n1", func(ctx context.Context, off time.Duration) *exec.Cmd {
		return exec.CommandContext(ctx, "sh", "-c", `echo "$1" > "$0.off"; while :; do echo x >> "$0"; sleep 0.02; done`, file, off.String())
	})
	if err := p.Start(context.Background(), StartOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill(context.Background()) })
	return p, file
}

func lines(file string) int {
	b, _ := os.ReadFile(file)
	return strings.Count(string(b), "\n")
}

func TestPauseStopsProgress(t *testing.T) {
	ctx := context.Background()
	p, file := ticker(t)
	time.Sleep(150 * time.Millisecond)
	n := NewPause(ProcessConfig{Procs: []Process{p}})
	if err := n.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let an in-flight sleep finish
	a := lines(file)
	time.Sleep(300 * time.Millisecond)
	if b := lines(file); b > a+1 {
		t.Fatalf("paused process progressed %d → %d", a, b)
	}
	if err := n.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if b := lines(file); b < a+3 {
		t.Fatalf("resumed process did not progress %d → %d", a, b)
	}
}

func TestKillRestarts(t *testing.T) {
	ctx := context.Background()
	p, file := ticker(t)
	pid := p.PID()
	n := NewKill(ProcessConfig{Procs: []Process{p}})
	if err := n.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	if p.PID() != 0 || p.Exits() != 1 {
		t.Fatalf("not killed: pid %d exits %d", p.PID(), p.Exits())
	}
	if _, err := os.Stat("/proc/" + itoa(pid)); err == nil {
		t.Fatalf("pid %d still exists", pid)
	}
	a := lines(file)
	time.Sleep(150 * time.Millisecond)
	if lines(file) != a {
		t.Fatal("killed process progressed")
	}
	if err := n.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if p.PID() == 0 || p.PID() == pid {
		t.Fatalf("not restarted: pid %d", p.PID())
	}
	if l := n.Log(); len(l) != 2 || !strings.Contains(l[0].Detail, "SIGKILL") || l[1].Detail != "restart" {
		t.Fatalf("log %+v", l)
	}
}

func TestClockRestartsWithOffset(t *testing.T) {
	ctx := context.Background()
	p, file := ticker(t)
	n := NewClock(ProcessConfig{Procs: []Process{p}, Seed: 7, MinOffset: 10 * time.Second, MaxOffset: time.Minute})
	if err := n.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	b, _ := os.ReadFile(file + ".off")
	d, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil || d.Abs() < 10*time.Second || d.Abs() > time.Minute {
		t.Fatalf("offset %q %v", b, err)
	}
	if err := n.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if b, _ := os.ReadFile(file + ".off"); strings.TrimSpace(string(b)) != "0s" {
		t.Fatalf("healed offset %q", b)
	}
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		if i /= 10; i == 0 {
			return string(b[p:])
		}
	}
}
