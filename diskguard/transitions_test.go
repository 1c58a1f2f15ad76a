package diskguard

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf is a log sink safe for the guard's background goroutine.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) count(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), sub)
}

// Another process fills the disk (no write of ours hits ENOSPC, the ballast
// stays): the node starts refusing shard writes and must say so, once, in
// its log and its status, and again when it resumes after space is freed.
func TestLowTransitionsLogged(t *testing.T) {
	q := newQuotaFS(64 * mib)
	var logs syncBuf
	g, err := Open(q, Config{Dir: "data", BallastBytes: 4 * mib, CheckInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const refusing, resuming = "refusing shard writes", "accepting shard writes again"
	if g.Low() || g.ShardWrites() != "accepted" || logs.count(refusing) != 0 {
		t.Fatalf("fresh guard: low=%v status %q", g.Low(), g.ShardWrites())
	}
	fill(t, q, "data/filler")
	g.Check()
	g.Check() // no new transition: one line only
	if !g.Low() || logs.count(refusing) != 1 || logs.count(resuming) != 0 {
		t.Fatalf("after an external fill: low=%v, %d refusing / %d resuming lines:\n%s",
			g.Low(), logs.count(refusing), logs.count(resuming), logs.b.String())
	}
	if st := g.ShardWrites(); !strings.HasPrefix(st, "refused: low disk space") {
		t.Fatalf("status while low: %q", st)
	}
	if err := q.Remove("data/filler"); err != nil {
		t.Fatal(err)
	}
	g.Check()
	if g.Low() || logs.count(resuming) != 1 || g.ShardWrites() != "accepted" {
		t.Fatalf("after freeing: low=%v status %q, %d resuming lines:\n%s",
			g.Low(), g.ShardWrites(), logs.count(resuming), logs.b.String())
	}
	if st := g.Stats(); st.Transitions != 2 {
		t.Fatalf("transitions = %d, want 2", st.Transitions)
	}
}

// An ENOSPC that releases the ballast is a transition too: logged once.
func TestReleaseLogsRefusal(t *testing.T) {
	q := newQuotaFS(64 * mib)
	var logs syncBuf
	g, err := Open(q, Config{Dir: "data", BallastBytes: 4 * mib, CheckInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if !g.Release("test write") || !g.Low() {
		t.Fatal("release did not free the ballast")
	}
	g.Check()
	if n := logs.count("refusing shard writes"); n != 1 {
		t.Fatalf("%d refusing lines after a release, want 1:\n%s", n, logs.b.String())
	}
}
