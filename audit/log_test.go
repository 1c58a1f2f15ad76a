package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openTest(t *testing.T, cfg Config) *Log {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = filepath.Join(t.TempDir(), "audit")
	}
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func rec(i int, user, ctx, repo string, status int) Record {
	return Record{
		Time:    time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Surface: SurfaceAPI, KeyID: "K" + user, User: user, Authenticated: status < 400, Source: "127.0.0.1",
		Method: "PUT", Action: "PUT /v1/contexts/{ctx}/repos/{repo}/labels/{label}",
		Target: Target{Context: ctx, Repo: repo, Label: fmt.Sprintf("l%d", i)}, Status: status, Refused: status >= 400,
	}
}

func TestRecordIsOnDiskAndQueryable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	l := openTest(t, Config{Dir: dir, Node: "n1"})
	ctx := context.Background()
	if err := l.Record(ctx, rec(1, "alice", "c", "r", 200)); err != nil {
		t.Fatal(err)
	}
	// On disk before Record returned: read the files directly.
	ents, _ := os.ReadDir(dir)
	var body string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		body += string(b)
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
	if !strings.Contains(body, `"user":"alice"`) || !strings.Contains(body, `"node":"n1"`) {
		t.Fatalf("segment does not hold the record: %q", body)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", info.Mode().Perm())
	}
	res, err := l.Query(ctx, Query{User: "alice"})
	if err != nil || len(res.Records) != 1 || res.Records[0].Target.Label != "l1" || res.Node != "n1" {
		t.Fatalf("query: %+v %v", res, err)
	}
}

func TestQueryFilters(t *testing.T) {
	l := openTest(t, Config{})
	ctx := context.Background()
	for i := range 20 {
		user, repo, status := "alice", "r1", 200
		if i%2 == 1 {
			user, repo, status = "bob", "r2", 403
		}
		if err := l.Record(ctx, rec(i, user, "c", repo, status)); err != nil {
			t.Fatal(err)
		}
	}
	base := rec(0, "", "", "", 0).Time
	cases := []struct {
		name  string
		q     Query
		want  int
		first string
		trunc bool
	}{
		{"all", Query{}, 20, "l0", false},
		{"user", Query{User: "bob"}, 10, "l1", false},
		{"repo", Query{Repo: "c/r1"}, 10, "l0", false},
		{"context", Query{Repo: "c/*"}, 20, "l0", false},
		{"context bare", Query{Repo: "c"}, 20, "l0", false},
		{"other context", Query{Repo: "d/r1"}, 0, "", false},
		{"key", Query{Key: "Kalice"}, 10, "l0", false},
		{"refused", Query{Refused: true}, 10, "l1", false},
		{"since", Query{Since: base.Add(15 * time.Second)}, 5, "l15", false},
		{"until", Query{Until: base.Add(3 * time.Second)}, 3, "l0", false},
		{"limit keeps latest", Query{Limit: 4}, 4, "l16", true},
	}
	for _, c := range cases {
		res, err := l.Query(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(res.Records) != c.want || res.Truncated != c.trunc {
			t.Errorf("%s: %d records (truncated %v), want %d (%v)", c.name, len(res.Records), res.Truncated, c.want, c.trunc)
			continue
		}
		if c.want > 0 && res.Records[0].Target.Label != c.first {
			t.Errorf("%s: first %s, want %s", c.name, res.Records[0].Target.Label, c.first)
		}
		for i := 1; i < len(res.Records); i++ {
			if res.Records[i].Time.Before(res.Records[i-1].Time) {
				t.Errorf("%s: not in time order", c.name)
			}
		}
	}
}

func TestRotationAndRetention(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	l := openTest(t, Config{Dir: dir, SegmentBytes: 4096, MaxBytes: 3 * 4096})
	ctx := context.Background()
	const n = 300 // ~300 bytes each: ~90 KB, far past MaxBytes
	for i := range n {
		if err := l.Record(ctx, rec(i, "alice", "c", "r", 200)); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(dir)
	var total int64
	for _, e := range ents {
		info, _ := e.Info()
		total += info.Size()
	}
	if len(ents) < 2 || total > 3*4096+4096 {
		t.Fatalf("%d segments, %d bytes: rotation or retention not applied", len(ents), total)
	}
	res, err := l.Query(ctx, Query{Limit: MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) == 0 || len(res.Records) >= n {
		t.Fatalf("%d records kept of %d", len(res.Records), n)
	}
	if last := res.Records[len(res.Records)-1].Target.Label; last != fmt.Sprintf("l%d", n-1) {
		t.Fatalf("latest record %s, want l%d (retention must drop the oldest)", last, n-1)
	}
	// The second query skips closed segments by their learnt time span
	// and must answer the same.
	since := res.Records[len(res.Records)-10].Time
	for range 2 {
		r2, err := l.Query(ctx, Query{Since: since})
		if err != nil || len(r2.Records) != 10 || r2.Records[0].Time != since {
			t.Fatalf("since query: %d records, %v; want 10", len(r2.Records), err)
		}
		r3, err := l.Query(ctx, Query{Until: res.Records[1].Time})
		if err != nil || len(r3.Records) != 1 {
			t.Fatalf("until query: %d records, %v; want 1", len(r3.Records), err)
		}
	}
	if m := l.Metrics(); m["datamon_audit_records_total"] != n || m["datamon_audit_bytes"] > 4*4096 {
		t.Fatalf("metrics %v", m)
	}
}

func TestAgeRetention(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	l := openTest(t, Config{Dir: dir})
	if err := l.Record(context.Background(), rec(1, "old", "c", "r", 200)); err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	old := time.Now().Add(-100 * 24 * time.Hour)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if err := os.Chtimes(filepath.Join(dir, e.Name()), old, old); err != nil {
			t.Fatal(err)
		}
	}
	l2 := openTest(t, Config{Dir: dir, MaxAge: 90 * 24 * time.Hour})
	res, err := l2.Query(context.Background(), Query{})
	if err != nil || len(res.Records) != 0 {
		t.Fatalf("a record older than MaxAge survived reopening: %+v %v", res, err)
	}
}

// A crash leaves a torn last line: it is skipped and counted, the log
// starts a new segment, and everything else is still read.
func TestTornTailAndReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	l := openTest(t, Config{Dir: dir})
	ctx := context.Background()
	for i := range 3 {
		if err := l.Record(ctx, rec(i, "alice", "c", "r", 200)); err != nil {
			t.Fatal(err)
		}
	}
	_ = l.Close()
	ents, _ := os.ReadDir(dir)
	f, err := os.OpenFile(filepath.Join(dir, ents[len(ents)-1].Name()), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"time":"2026-03-01T12:00:09Z","user":"tor`)
	_ = f.Close()
	l2 := openTest(t, Config{Dir: dir})
	if err := l2.Record(ctx, rec(9, "bob", "c", "r", 200)); err != nil {
		t.Fatal(err)
	}
	res, err := l2.Query(ctx, Query{})
	if err != nil || len(res.Records) != 4 || res.Skipped != 1 {
		t.Fatalf("after a torn tail: %d records, %d skipped, %v; want 4, 1", len(res.Records), res.Skipped, err)
	}
	if ents2, _ := os.ReadDir(dir); len(ents2) != len(ents)+1 {
		t.Fatalf("reopen did not start a new segment: %d -> %d files", len(ents), len(ents2))
	}
}

func TestOpenNarrowsModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(dir, segName(1))
	if err := os.WriteFile(seg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	openTest(t, Config{Dir: dir})
	for p, want := range map[string]os.FileMode{dir: 0o700, seg: 0o600} {
		if info, _ := os.Stat(p); info.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, info.Mode().Perm(), want)
		}
	}
}

// Close writes what was queued; afterwards records are refused.
func TestCloseDrains(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	l := openTest(t, Config{Dir: dir, QueueSize: 1000})
	for i := range 100 {
		if !l.Submit(rec(i, "alice", "c", "r", 401)) {
			t.Fatalf("submit %d dropped with an empty queue", i)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l.Submit(rec(200, "alice", "c", "r", 401)) {
		t.Fatal("Submit after Close accepted")
	}
	if err := l.Record(context.Background(), rec(201, "alice", "c", "r", 200)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Record after Close: %v", err)
	}
	l2 := openTest(t, Config{Dir: dir})
	res, err := l2.Query(context.Background(), Query{})
	if err != nil || len(res.Records) != 100 {
		t.Fatalf("after Close: %d records, %v; want 100", len(res.Records), err)
	}
}

// stalled is a Log whose writer never runs: the queue only fills.
func stalled(t *testing.T, queue int, wait time.Duration) *Log {
	cfg := Config{Dir: t.TempDir(), QueueSize: queue, WaitTimeout: wait}.withDefaults()
	return &Log{cfg: cfg, log: cfg.Logger, queue: make(chan item, queue), quit: make(chan struct{}), done: make(chan struct{})}
}

// Refusals never take the second half of the queue; writes wait for room
// and give up after WaitTimeout.
func TestSubmitDropsPastHalfAndRecordTimesOut(t *testing.T) {
	l := stalled(t, 4, 50*time.Millisecond)
	for i := range 2 {
		if !l.Submit(rec(i, "a", "c", "r", 401)) {
			t.Fatalf("submit %d dropped below half the queue", i)
		}
	}
	if l.Submit(rec(2, "a", "c", "r", 401)) {
		t.Fatal("submit accepted past half the queue")
	}
	start := time.Now()
	err := l.Record(context.Background(), rec(3, "a", "c", "r", 200))
	if !errors.Is(err, ErrTimeout) || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("Record on a stalled log: %v after %v", err, time.Since(start))
	}
	m := l.Metrics()
	if m["datamon_audit_dropped_total"] != 1 || m["datamon_audit_unrecorded_total"] != 1 || m["datamon_audit_queue"] != 3 {
		t.Fatalf("metrics %v", m)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{},
		{Dir: "x", SegmentBytes: 100},
		{Dir: "x", SegmentBytes: 1 << 20, MaxBytes: 1 << 20},
		{Dir: "x", QueueSize: 1},
		{Dir: "x", WaitTimeout: -1},
	} {
		if err := c.withDefaults().Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", c, err)
		}
	}
	if err := (Config{Dir: "x"}).withDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
}
