package s3backend

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

func sleep() { time.Sleep(50 * time.Millisecond) }

// raceResult is the outcome of one race: the ETags the winners were given.
type raceResult struct{ etags []string }

func (r raceResult) wins() int { return len(r.etags) }

// race runs n conditional PUTs of key at once and returns how many won.
func race(t *testing.T, e *env, key string, meta gateway.PutMeta, n int) int {
	t.Helper()
	return raceRound(t, e, key, "", meta, n).wins()
}

// raceRound runs n conditional PUTs of key at once, each with a body unique
// to (round, writer): a writer re-writing the current content keeps its
// ETag, so a second If-Match writer would rightly win too (this made the
// old test, with bodies "writer %d" in every round, flaky).
func raceRound(t *testing.T, e *env, key, round string, meta gateway.PutMeta, n int) raceResult {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var res raceResult
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := []byte(fmt.Sprintf("writer %d, round %q, %s, %+v", g, round, key, meta))
			oi, err := e.b.PutObject(e.ctx, e.root, "cond", key, bytes.NewReader(body), int64(len(body)), meta)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.etags = append(res.etags, oi.ETag)
			case errors.Is(err, gateway.ErrPreconditionFailed), errors.Is(err, gateway.ErrNoSuchKey): // NoSuchKey: If-Match on a missing key
			default:
				t.Errorf("writer %d: %v", g, err)
			}
		}()
	}
	wg.Wait()
	return res
}

// raceChain races If-None-Match on a new key, then rounds of If-Match on
// the current ETag; every round must have exactly one winner, and the head
// must be the winner's write (no writer is told it won a write that lost).
func raceChain(t *testing.T, e *env, key string, rounds, writers int) {
	t.Helper()
	head := func() string {
		t.Helper()
		oi, err := e.b.HeadObject(e.ctx, e.root, "cond", key)
		if err != nil {
			t.Fatal(err)
		}
		return oi.ETag
	}
	r := raceRound(t, e, key, "create", gateway.PutMeta{IfNoneMatch: "*"}, writers)
	if r.wins() != 1 {
		t.Fatalf("%s: if-none-match on a new key: %d winners", key, r.wins())
	}
	cur := head()
	if cur != r.etags[0] {
		t.Fatalf("%s: head has etag %s, the winner was told %s", key, cur, r.etags[0])
	}
	for i := range rounds {
		ifMatch := cur
		if i%2 == 0 {
			ifMatch = `"` + cur + `"`
		}
		r := raceRound(t, e, key, fmt.Sprint(i), gateway.PutMeta{IfMatch: ifMatch}, writers)
		if r.wins() != 1 {
			t.Fatalf("%s round %d: if-match on the draft: %d winners (etags %v)", key, i, r.wins(), r.etags)
		}
		if cur = head(); cur != r.etags[0] {
			t.Fatalf("%s round %d: head has etag %s, the winner was told %s", key, i, cur, r.etags[0])
		}
	}
}

func TestConditionalPutRaceExactlyOneWins(t *testing.T) {
	e := newEnv(t, 3, nil)
	e.mkBucket("cond")
	raceChain(t, e, "new", 6, 8)
	// Against the base bundle: commit, then race on a key only the base has.
	e.put("cond", "based", []byte("v0"))
	if _, err := e.b.Commit(e.ctx, model.DefaultContext, "cond", "", "base", model.Contributor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	based, err := e.b.HeadObject(e.ctx, e.root, "cond", "based")
	if err != nil {
		t.Fatal(err)
	}
	if w := race(t, e, "based", gateway.PutMeta{IfNoneMatch: "*"}, 4); w != 0 {
		t.Fatalf("if-none-match on a base key: %d winners", w)
	}
	if w := race(t, e, "based", gateway.PutMeta{IfMatch: based.ETag}, 8); w != 1 {
		t.Fatalf("if-match on the base: %d winners", w)
	}
	if w := race(t, e, "missing", gateway.PutMeta{IfMatch: based.ETag}, 2); w != 0 {
		t.Fatalf("if-match on a missing key: %d winners", w)
	}
}

// TestConditionalPutSameContentKeepsETag pins the semantics behind the old
// flake: If-Match compares ETags, and re-writing the same content keeps the
// ETag, so both of two sequential If-Match writers win when the first
// re-writes the current content.
func TestConditionalPutSameContentKeepsETag(t *testing.T) {
	e := newEnv(t, 3, nil)
	e.mkBucket("cond")
	oi := e.put("cond", "k", []byte("writer 3"))
	for i, body := range []string{"writer 3", "writer 4"} {
		_, err := e.b.PutObject(e.ctx, e.root, "cond", "k", bytes.NewReader([]byte(body)), int64(len(body)), gateway.PutMeta{IfMatch: `"` + oi.ETag + `"`})
		if err != nil {
			t.Fatalf("write %d (%q): %v", i, body, err)
		}
	}
	_, err := e.b.PutObject(e.ctx, e.root, "cond", "k", bytes.NewReader([]byte("x")), 1, gateway.PutMeta{IfMatch: oi.ETag})
	if !errors.Is(err, gateway.ErrPreconditionFailed) {
		t.Fatalf("if-match on a replaced etag: %v", err)
	}
	for _, weak := range []string{`W/"` + oi.ETag + `"`, "W/" + oi.ETag} { // If-Match uses the strong comparison
		if _, err := e.b.PutObject(e.ctx, e.root, "cond", "k", bytes.NewReader([]byte("y")), 1, gateway.PutMeta{IfMatch: weak}); !errors.Is(err, gateway.ErrPreconditionFailed) {
			t.Fatalf("if-match %s: %v", weak, err)
		}
	}
}

// TestConditionalPutRaceLostReplies forces the ambiguous-failure path on
// every write: the backend runs on a follower and the reply of the first
// attempt of every forwarded apply is lost after the leader applied it, so
// each conditional PUT is retried (same request ID) after it took effect.
// The retry must return the first attempt's result (won or lost), never
// re-evaluate the condition nor make a second winner.
func TestConditionalPutRaceLostReplies(t *testing.T) {
	var seen sync.Map
	var lost atomic.Int64
	opts := raftmetatest.Options{LoseReply: func(_, _ string, req []byte) bool {
		if !bytes.Contains(req, []byte(`"kind":"apply"`)) {
			return false
		}
		_, again := seen.LoadOrStore(sha256.Sum256(req), true)
		if !again {
			lost.Add(1)
		}
		return !again
	}}
	e := newEnvWith(t, 3, opts, true, nil)
	e.mkBucket("cond")
	// Under load the backend's node may win an election and apply locally
	// (no forwarding, no fault): race on fresh keys, with the backend moved
	// to a current follower, until the fault fired for at least a round's
	// worth of writes.
	for try := range 5 {
		if leader, err := e.c.Leader(10 * time.Second); err == nil && e.meta.IsLeader() {
			for _, id := range e.c.IDs() {
				if id != leader {
					e.meta = e.c.Meta(id)
					break
				}
			}
			if e.b, err = New(testConfig(), e.meta, e.chunks); err != nil {
				t.Fatal(err)
			}
		}
		before := lost.Load()
		raceChain(t, e, fmt.Sprintf("lossy%d", try), 4, 6)
		if n := lost.Load() - before; n >= 6 {
			return
		}
		t.Logf("try %d: only %d replies lost (leader moved to the backend's node?)", try, lost.Load()-before)
	}
	t.Fatalf("the lost-reply fault hardly fired (%d in all)", lost.Load())
}

// TestConditionalPutStarAndNoneMatchETag: If-Match * means "must exist"
// (not the literal ETag "*"), If-None-Match <etag> means "must not be that
// version"; both race correctly (exactly one winner per round), in the
// draft and against the base bundle.
func TestConditionalPutStarAndNoneMatchETag(t *testing.T) {
	e := newEnv(t, 3, nil)
	e.mkBucket("cond")
	put := func(key, body string, meta gateway.PutMeta) (gateway.ObjectInfo, error) {
		return e.b.PutObject(e.ctx, e.root, "cond", key, bytes.NewReader([]byte(body)), int64(len(body)), meta)
	}
	if _, err := put("k", "a", gateway.PutMeta{IfMatch: "*"}); !errors.Is(err, gateway.ErrNoSuchKey) {
		t.Fatalf("If-Match * on a missing key: %v", err)
	}
	if _, err := put("k", "a", gateway.PutMeta{IfNoneMatch: "0123"}); err != nil {
		t.Fatalf("If-None-Match <etag> on a missing key: %v", err)
	}
	v1, err := put("k", "b", gateway.PutMeta{IfMatch: "*"})
	if err != nil {
		t.Fatalf("If-Match * on an existing key: %v", err)
	}
	if _, err := put("k", "c", gateway.PutMeta{IfNoneMatch: `"` + v1.ETag + `"`}); !errors.Is(err, gateway.ErrPreconditionFailed) {
		t.Fatalf("If-None-Match on the current ETag: %v", err)
	}
	if _, err := put("k", "c", gateway.PutMeta{IfNoneMatch: "ffff"}); err != nil {
		t.Fatalf("If-None-Match on another ETag: %v", err)
	}
	if got, _ := e.b.HeadObject(e.ctx, e.root, "cond", "k"); got.ETag == v1.ETag {
		t.Fatal("the If-None-Match write did not land")
	}
	// Against the base bundle.
	if _, err := e.b.Commit(e.ctx, model.DefaultContext, "cond", "", "base", model.Contributor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	base, _ := e.b.HeadObject(e.ctx, e.root, "cond", "k")
	if _, err := put("k", "d", gateway.PutMeta{IfNoneMatch: base.ETag}); !errors.Is(err, gateway.ErrPreconditionFailed) {
		t.Fatalf("If-None-Match on the base's ETag: %v", err)
	}
	// Races: If-None-Match on the current ETag: nobody wins; If-Match *
	// on an existing key: everybody does (each compare-and-swap that loses
	// reads the new head, which still exists, and tries again).
	cur, _ := e.b.HeadObject(e.ctx, e.root, "cond", "k")
	if w := race(t, e, "k", gateway.PutMeta{IfNoneMatch: cur.ETag}, 6); w != 0 {
		t.Fatalf("If-None-Match race on the current ETag: %d winners", w)
	}
	if w := race(t, e, "k", gateway.PutMeta{IfMatch: "*"}, 6); w != 6 {
		t.Fatalf("If-Match * race on an existing key: %d of 6 won", w)
	}
	if w := race(t, e, "missing", gateway.PutMeta{IfMatch: "*"}, 3); w != 0 {
		t.Fatalf("If-Match * race on a missing key: %d winners", w)
	}
}
