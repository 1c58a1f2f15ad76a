package api_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
)

// A rotated key's previous secret authenticates until OldSecretUntil and is
// refused (401, nothing written) from then on; the new secret works
// throughout.
func TestRotatedKeyGracePeriod(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	rotated := model.AccessKey{ID: "AKROT", Secret: "rotated-new-secret", Root: true,
		OldSecret: "rotated-old-secret", OldSecretUntil: clock().Add(time.Hour)}
	meta := newMemMeta(rotated)
	cfg := api.DefaultConfig()
	cfg.Now = clock
	cfg.Stale = func(ctx context.Context) context.Context { return context.WithValue(ctx, staleKey{}, true) }
	cfg.Unavailable = func(err error) bool { return errors.Is(err, errNoLeader) }
	n := &node{meta: meta, chunks: newMemChunks()}
	n.srv = api.New(cfg, meta, n.chunks, staticCluster{id: "n1:7000"})

	create := func(secret, repo string) int {
		body := []byte(fmt.Sprintf(`{"name":%q,"description":"d"}`, repo))
		k := model.AccessKey{ID: rotated.ID, Secret: secret}
		return raw(n, signedReq(k, "POST", "/v1/contexts/default/repos", body, body, clock())).StatusCode()
	}
	for _, c := range []struct {
		after  time.Duration
		secret string
		repo   string
		want   int
	}{
		{0, "rotated-new-secret", "r1", 201},
		{0, "rotated-old-secret", "r2", 201},
		{0, "some-other-secret", "r3", 401},
		{59 * time.Minute, "rotated-old-secret", "r4", 201},
		{time.Minute, "rotated-old-secret", "r5", 401}, // exactly OldSecretUntil: refused
		{0, "rotated-new-secret", "r6", 201},
	} {
		advance(c.after)
		if got := create(c.secret, c.repo); got != c.want {
			t.Errorf("%s at %s: %d, want %d", c.secret, clock().Sub(rotated.OldSecretUntil), got, c.want)
		}
	}
	for _, r := range []string{"r3", "r5"} {
		if _, err := meta.GetRepo(context.Background(), model.DefaultContext, r); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("refused request created %s: %v", r, err)
		}
	}
}
