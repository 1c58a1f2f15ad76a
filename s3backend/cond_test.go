package s3backend

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
)

func sleep() { time.Sleep(50 * time.Millisecond) }

// race runs n conditional PUTs of key at once and returns how many won.
func race(t *testing.T, e *env, key string, meta gateway.PutMeta, n int) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Bodies differ from round to round: a writer re-writing the
			// current content keeps its ETag, so a second If-Match writer
			// could rightly win too.
			body := []byte(fmt.Sprintf("writer %d, %s, %+v", g, key, meta))
			_, err := e.b.PutObject(e.ctx, e.root, "cond", key, bytes.NewReader(body), int64(len(body)), meta)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, gateway.ErrPreconditionFailed), errors.Is(err, gateway.ErrNoSuchKey): // NoSuchKey: If-Match on a missing key
			default:
				t.Errorf("writer %d: %v", g, err)
			}
		}()
	}
	wg.Wait()
	return wins
}

func TestConditionalPutRaceExactlyOneWins(t *testing.T) {
	e := newEnv(t, 3, nil)
	e.mkBucket("cond")
	if w := race(t, e, "new", gateway.PutMeta{IfNoneMatch: "*"}, 8); w != 1 {
		t.Fatalf("if-none-match on a new key: %d winners", w)
	}
	cur, err := e.b.HeadObject(e.ctx, e.root, "cond", "new")
	if err != nil {
		t.Fatal(err)
	}
	if w := race(t, e, "new", gateway.PutMeta{IfMatch: `"` + cur.ETag + `"`}, 8); w != 1 {
		t.Fatalf("if-match on the draft: %d winners", w)
	}
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
