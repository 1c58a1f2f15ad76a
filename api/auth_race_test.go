package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/valyala/fasthttp/fasthttputil"
)

// A write whose key is deleted, downgraded or rotated away between the
// API's authentication (on a follower, from its applied state) and the
// write's proposal is refused by the state machine: 403, and no replica
// holds it. The same request without a revocation in between applies.
func TestWriteRacingRevocationIsRefused(t *testing.T) {
	root := rootKey
	c := raftmetatest.New(t, 3, raftmetatest.Options{RootKey: &root})
	leader, err := c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lm := c.Meta(leader)
	var fid string
	for _, id := range c.Running() {
		if id != leader {
			fid = id
		}
	}
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, err := c.Meta(fid).GetContext(ctx, model.DefaultContext)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m := &raftmetatest.RacingMeta{Meta: c.Meta(fid)}
	cfg := api.DefaultConfig()
	cfg.Stale = raftmeta.WithStale // as node does: keys from the applied state
	srv := api.New(cfg, m, newMemChunks(), staticCluster{id: "n1:7000"})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	mn := memNet{"n1:7000": ln}

	admin := map[string]model.Permission{"default/*": model.PermAdmin}
	keys := map[string]model.AccessKey{}
	for _, id := range []string{"AKSTEADY", "AKDELETED", "AKDOWN", "AKROTATED"} {
		k := model.AccessKey{ID: id, Secret: "secret-" + id, Grants: admin}
		if err := lm.PutAccessKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		keys[id] = k
	}
	// The follower must know the keys before the race (else its lookup
	// would be the linearizable confirmation of a miss, not the race).
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		for id := range keys {
			if _, err := m.Meta.GetAccessKey(raftmeta.WithStale(ctx), id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mkRepo := func(k, repo string) error {
		_, err := newClient(t, mn, keys[k], "http://n1:7000").CreateRepo(ctx, model.Repo{Context: "default", Name: repo, Description: "d"})
		return err
	}
	if err := mkRepo("AKSTEADY", "steady"); err != nil {
		t.Fatalf("unchanged key: %v", err)
	}
	for _, tc := range []struct {
		key, repo string
		revoke    func(ctx context.Context) error
	}{
		{"AKDELETED", "after-delete", func(ctx context.Context) error { return lm.DeleteKey(ctx, "AKDELETED") }},
		{"AKDOWN", "after-downgrade", func(ctx context.Context) error {
			_, err := lm.AddGrant(ctx, "AKDOWN", "default/*", model.PermRead)
			return err
		}},
		{"AKROTATED", "after-rotation", func(ctx context.Context) error {
			_, err := lm.RotateKey(ctx, "AKROTATED", "a-new-secret-0123456789", 0)
			return err
		}},
	} {
		m.Race(tc.key, tc.revoke)
		err := mkRepo(tc.key, tc.repo)
		if !errors.Is(err, model.ErrPermission) {
			t.Fatalf("%s: write racing the revocation: %v, want 403 permission denied", tc.key, err)
		}
	}
	if _, err := c.Converged(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, id := range c.Running() {
		for repo, want := range map[string]bool{"steady": true, "after-delete": false, "after-downgrade": false, "after-rotation": false} {
			_, err := c.Meta(id).GetRepo(raftmeta.WithStale(ctx), "default", repo)
			if (err == nil) != want {
				t.Fatalf("%s: repo %s: %v, want present=%v", id, repo, err, want)
			}
		}
	}
}
