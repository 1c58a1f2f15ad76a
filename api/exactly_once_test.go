package api_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/reqid"
	"github.com/valyala/fasthttp/fasthttputil"
)

// Exactly-once writes through the product client: the answer of every
// write's first attempt is lost after the node applied it; the client
// resends with the same request ID and sees the first outcome, and the
// write is applied once.
func TestWritesExactlyOnceWhenRepliesAreLost(t *testing.T) {
	root := rootKey
	c := raftmetatest.New(t, 1, raftmetatest.Options{RootKey: &root})
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := c.Meta("n1")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, err := m.GetContext(ctx, model.DefaultContext)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.DefaultConfig(), m, newMemChunks(), raftDurability{staticCluster{id: "n1:7000"}, m})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	mn := memNet{}
	proxy := startReplyDropper(t, mn, "lossy:7000", ln)
	cl := newClient(t, mn, rootKey, "http://lossy:7000")
	d := model.DefaultContext

	var b1 model.Bundle
	var key client.KeySecret
	var run model.Run
	writes := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"context create", func(ctx context.Context) error {
			_, err := cl.CreateContext(ctx, model.Context{Name: "c2"})
			return err
		}},
		{"repo create", func(ctx context.Context) error {
			_, err := cl.CreateRepo(ctx, model.Repo{Context: d, Name: "r", Description: "x"})
			return err
		}},
		{"repo create (to delete)", func(ctx context.Context) error {
			_, err := cl.CreateRepo(ctx, model.Repo{Context: d, Name: "gone", Description: "x"})
			return err
		}},
		{"commit", func(ctx context.Context) error {
			b, err := cl.CommitBundle(ctx, model.Bundle{Context: d, Repo: "r", Message: "m"}, "main")
			b1 = b
			return err
		}},
		{"label set", func(ctx context.Context) error {
			_, err := cl.SetLabel(ctx, d, "r", "l", b1.ID, client.LabelOptions{})
			return err
		}},
		{"label set if-not-exists", func(ctx context.Context) error {
			_, err := cl.SetLabel(ctx, d, "r", "n", b1.ID, client.LabelOptions{IfNotExists: true})
			return err
		}},
		{"label set if-match", func(ctx context.Context) error {
			_, err := cl.SetLabel(ctx, d, "r", "main", b1.ID, client.LabelOptions{IfMatch: b1.ID})
			return err
		}},
		{"repo delete", func(ctx context.Context) error { return cl.DeleteRepo(ctx, d, "gone") }},
		{"draft discard", func(ctx context.Context) error { return cl.DiscardDraft(ctx, d, "r") }},
		{"drain", func(ctx context.Context) error { return cl.DrainNode(ctx, "n1", true) }},
		{"undrain", func(ctx context.Context) error { _, err := cl.Undrain(ctx, "n1"); return err }},
		{"repair rate", func(ctx context.Context) error { return cl.SetRepairRate(ctx, 7<<20) }},
		{"user create", func(ctx context.Context) error { _, err := cl.CreateUser(ctx, "ada", "a@x"); return err }},
		{"key create", func(ctx context.Context) error {
			k, err := cl.CreateKey(ctx, "ada", []string{"default/r=write"})
			key = k
			return err
		}},
		{"grant add", func(ctx context.Context) error { _, err := cl.AddGrant(ctx, key.ID, "c2/*=read"); return err }},
		{"grant remove", func(ctx context.Context) error { _, err := cl.RemoveGrant(ctx, key.ID, "c2/*"); return err }},
		{"key rotate", func(ctx context.Context) error {
			k, err := cl.RotateKey(ctx, key.ID, 0)
			key.Secret = k.Secret
			return err
		}},
		{"run start", func(ctx context.Context) error {
			r, err := cl.StartRun(ctx, model.RunStart{Context: d, Name: "train"})
			run = r
			return err
		}},
		{"run finish", func(ctx context.Context) error {
			_, err := cl.FinishRun(ctx, run.ID, model.RunSucceeded, "")
			return err
		}},
		{"key delete", func(ctx context.Context) error { return cl.DeleteKey(ctx, key.ID) }},
		{"user delete", func(ctx context.Context) error { return cl.DeleteUser(ctx, "ada") }},
	}
	for _, w := range writes {
		id := cl.NewRequestID()
		wctx, err := client.WithRequestID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.run(wctx); err != nil {
			t.Errorf("%s: %v (the resend must get the first outcome)", w.name, err)
		}
		if n := proxy.tries(id); n != 2 {
			t.Errorf("%s: %d attempts reached the node, want 2 (first answer lost, one resend)", w.name, n)
		}
		if w.name == "key create" {
			if ks, err := cl.ListKeys(ctx, "ada"); err != nil || len(ks) != 1 || ks[0].ID != key.ID {
				t.Errorf("ada's keys after a resent create: %+v %v, want only %s", ks, err, key.ID)
			}
		}
		if w.name == "key rotate" {
			kc := newClient(t, mn, model.AccessKey{ID: key.ID, Secret: key.Secret}, "http://lossy:7000")
			if _, err := kc.GetRepo(ctx, d, "r"); err != nil {
				t.Errorf("the secret the resent rotate returned does not work: %v", err)
			}
		}
	}
	if bs, err := m.ListBundles(ctx, d, "r"); err != nil || len(bs) != 1 {
		t.Errorf("bundles: %d %v, want 1", len(bs), err)
	}
	if h, err := m.LabelHistory(ctx, d, "r", "main"); err != nil || len(h) != 2 {
		t.Errorf("main moved %d times (%v), want 2", len(h), err)
	}
	if runs, err := m.ListRuns(ctx, model.RunFilter{Context: d}); err != nil || len(runs) != 1 {
		t.Errorf("runs: %d %v, want 1", len(runs), err)
	}
}

// A conditional move that failed keeps failing on its resend even when
// another writer made the condition true in between (the first outcome),
// and the label stays where the other writer put it (jepsen bug 7).
func TestResentMoveKeepsFirstOutcome(t *testing.T) {
	root := rootKey
	c := raftmetatest.New(t, 1, raftmetatest.Options{RootKey: &root})
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := c.Meta("n1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, err := m.GetContext(ctx, model.DefaultContext)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.DefaultConfig(), m, newMemChunks(), staticCluster{id: "n1:7000"})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	mn := memNet{}
	proxy := startReplyDropper(t, mn, "lossy:7000", ln)
	cl := newClient(t, mn, rootKey, "http://lossy:7000")
	d := model.DefaultContext
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "r", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	var bs []model.Bundle
	for i := range 3 {
		b, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "r", Message: fmt.Sprint(i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "r", Name: "l", BundleID: bs[0].ID}); err != nil {
		t.Fatal(err)
	}
	// Unconditional move to bs[2]; before the resend another writer moves
	// l to bs[1]. A second apply would move l back to bs[2].
	proxy.hook = func(string) {
		if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "r", Name: "l", BundleID: bs[1].ID}); err != nil {
			t.Error(err)
		}
	}
	if _, err := cl.SetLabel(ctx, d, "r", "l", bs[2].ID, client.LabelOptions{}); err != nil {
		t.Fatal(err)
	}
	if l, _ := m.GetLabel(ctx, d, "r", "l"); l.BundleID != bs[1].ID {
		t.Fatalf("l at %s after the resent move, want the other writer's %s", l.BundleID, bs[1].ID)
	}
	// A conditional move that fails: the condition comes true before the resend.
	proxy.hook = func(string) {
		if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "r", Name: "l", BundleID: bs[0].ID}); err != nil {
			t.Error(err)
		}
	}
	_, err := cl.SetLabel(ctx, d, "r", "l", bs[2].ID, client.LabelOptions{IfMatch: bs[0].ID})
	if !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("resent conditional move: %v, want the first attempt's precondition failure", err)
	}
	// A request ID sent again for another operation is refused.
	proxy.hook = nil
	id := cl.NewRequestID()
	rctx, _ := client.WithRequestID(ctx, id)
	if _, err := cl.CreateRepo(rctx, model.Repo{Context: d, Name: "a", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateRepo(rctx, model.Repo{Context: d, Name: "b", Description: "x"}); !errors.Is(err, model.ErrRequestReused) {
		t.Fatalf("reused ID: %v", err)
	}
	if _, err := m.GetRepo(ctx, d, "b"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("repo b: %v", err)
	}
	// An ID issued before the window (1 h by default) is refused as
	// expired (409, not resent) and applies nothing.
	lctx, _ := client.WithRequestID(ctx, reqid.New(time.Now().Add(-2*time.Hour)))
	if _, err := cl.CreateRepo(lctx, model.Repo{Context: d, Name: "late", Description: "x"}); !errors.Is(err, model.ErrRequestExpired) {
		t.Fatalf("expired ID: %v", err)
	}
	if _, err := m.GetRepo(ctx, d, "late"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("repo of the expired request: %v", err)
	}
}
