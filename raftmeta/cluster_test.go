package raftmeta_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitReady waits for a leader and for the post-bootstrap initialisation
// (default context, layout) to be visible through linearizable reads.
func waitReady(t *testing.T, c *raftmetatest.Cluster) string {
	t.Helper()
	leader, err := c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = raftmetatest.WaitFor(10*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, id := range c.Running() {
			if _, err := c.Meta(id).GetContext(ctx, model.DefaultContext); err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return leader
}

func follower(t *testing.T, c *raftmetatest.Cluster, leader string) string {
	t.Helper()
	for _, id := range c.Running() {
		if id != leader {
			return id
		}
	}
	t.Fatal("no follower")
	return ""
}

func mkRepo(t *testing.T, ctx context.Context, m *raftmeta.Meta, name string) {
	t.Helper()
	if _, err := m.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: name, Description: "d"}); err != nil {
		t.Fatalf("create repo %s: %v", name, err)
	}
}

func commit(t *testing.T, ctx context.Context, m *raftmeta.Meta, repo, msg string, parents ...string) model.Bundle {
	t.Helper()
	b, err := m.CommitBundle(ctx, model.Bundle{Context: model.DefaultContext, Repo: repo, Message: msg,
		Parents: parents, ManifestRoot: chunk.Sum([]byte(msg)), FileCount: 1, ByteCount: 3}, nil)
	if err != nil {
		t.Fatalf("commit %s: %v", msg, err)
	}
	return b
}

func TestBootstrapWriteViaFollowerReadEverywhere(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{Sites: []string{"a", "b", "c"}})
	leader := waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	f := c.Meta(follower(t, c, leader))

	mkRepo(t, ctx, f, "r1")
	b1 := commit(t, ctx, f, "r1", "first")
	if len(b1.ID) != 27 || b1.Timestamp.IsZero() {
		t.Fatalf("bundle id %q ts %v", b1.ID, b1.Timestamp)
	}
	// read-after-write on every node, with no waiting in between
	for _, id := range c.Running() {
		got, err := c.Meta(id).GetBundle(ctx, model.DefaultContext, "r1", b1.ID)
		if err != nil || got.ID != b1.ID || got.Message != "first" {
			t.Fatalf("%s: GetBundle = %+v, %v", id, got, err)
		}
		b2 := commit(t, ctx, c.Meta(id), "r1", "on "+id, b1.ID)
		for _, id2 := range c.Running() {
			lb, err := c.Meta(id2).LatestBundle(ctx, model.DefaultContext, "r1")
			if err != nil || lb.ID != b2.ID {
				t.Fatalf("%s after write on %s: latest = %s, %v; want %s", id2, id, lb.ID, err, b2.ID)
			}
		}
	}
	// typed errors across forwarding
	_, err := f.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: "r1", Description: "d"})
	if !errors.Is(err, model.ErrExists) {
		t.Fatalf("duplicate repo via follower: %v", err)
	}
	_, err = f.CreateRepo(ctx, model.Repo{Context: "nope", Name: "r2", Description: "d"})
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("repo in unknown context: %v", err)
	}
	st, err := c.Meta(leader).Status(ctx)
	if err != nil || st.State != "Leader" || len(st.Voters) != 3 || st.Leader.ID != leader || st.LayoutVersion == 0 {
		t.Fatalf("status %+v %v", st, err)
	}
	if l := f.Layout(); len(l.Nodes) != 3 || l.Policy.K != 2 || l.Policy.M != 1 {
		t.Fatalf("layout %+v", l)
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}
