package api_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
)

func TestPermissions(t *testing.T) {
	ctx := context.Background()
	n, mn, root := single(t)
	for _, r := range []string{"r1", "r2"} {
		if _, err := root.CreateRepo(ctx, model.Repo{Context: "default", Name: r, Description: "d"}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := root.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r1", Message: "m"}, "")
	if err != nil {
		t.Fatal(err)
	}
	reader := newClient(t, mn, readKey, "n1:7000")
	writer := newClient(t, mn, writeKey, "n1:7000")
	none := newClient(t, mn, nogrant, "n1:7000")
	writes := n.meta.writeCount()

	denied := map[string]error{}
	_, denied["reader create repo"] = reader.CreateRepo(ctx, model.Repo{Context: "default", Name: "r1x", Description: "d"})
	_, denied["reader get r2"] = reader.GetRepo(ctx, "default", "r2")
	_, denied["reader commit"] = reader.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r1"}, "")
	_, denied["reader set label"] = reader.SetLabel(ctx, "default", "r1", "l", b.ID, client.LabelOptions{})
	_, denied["reader put chunk"] = reader.PutChunk(ctx, []byte("x"))
	denied["writer delete repo"] = writer.DeleteRepo(ctx, "default", "r1")
	_, denied["writer create repo"] = writer.CreateRepo(ctx, model.Repo{Context: "default", Name: "r3", Description: "d"})
	_, denied["writer create context"] = writer.CreateContext(ctx, model.Context{Name: "c2"})
	denied["writer remove node"] = writer.RemoveNode(ctx, "n2")
	_, denied["none get chunk"] = none.GetChunk(ctx, chunk.Sum([]byte("x")))
	_, denied["none status"] = none.ClusterStatus(ctx)
	for name, err := range denied {
		if !errors.Is(err, model.ErrPermission) {
			t.Errorf("%s: %v, want ErrPermission", name, err)
		}
	}
	if w := n.meta.writeCount(); w != writes || n.chunks.count() != 0 {
		t.Fatalf("denied requests changed state: writes %d -> %d, chunks %d", writes, w, n.chunks.count())
	}

	// What each key may do.
	if _, err := reader.GetRepo(ctx, "default", "r1"); err != nil {
		t.Fatalf("reader get r1: %v", err)
	}
	rs, err := reader.ListRepos(ctx, "default")
	if err != nil || len(rs) != 1 || rs[0].Name != "r1" {
		t.Fatalf("reader list repos (filtered): %+v %v", rs, err)
	}
	nb, err := writer.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r2", Message: "w"}, "wl")
	if err != nil || nb.Contributors[0].Name != "Writer" {
		t.Fatalf("writer commit: %+v %v", nb, err)
	}
	if l, err := writer.GetLabel(ctx, "default", "r2", "wl"); err != nil || l.Contributor.Name != "Writer" {
		t.Fatalf("label contributor from key: %+v %v", l, err)
	}
	id, err := writer.PutChunk(ctx, []byte("chunk"))
	if err != nil {
		t.Fatalf("writer put chunk: %v", err)
	}
	if got, err := reader.GetChunk(ctx, id); err != nil || !bytes.Equal(got, []byte("chunk")) {
		t.Fatalf("reader get chunk: %q %v", got, err)
	}
	if err := root.RemoveNode(ctx, "n2"); err != nil || len(n.meta.removed) != 1 {
		t.Fatalf("root remove node: %v %v", err, n.meta.removed)
	}
	if err := root.RemoveNode(ctx, ""); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("remove empty node id: %v", err)
	}
}

func TestCluster(t *testing.T) {
	ctx := context.Background()
	_, _, c := single(t)
	st, err := c.ClusterStatus(ctx)
	if err != nil || st.LeaderID != "n1:7000" || st.Term != 3 || len(st.Voters) != 2 || st.LayoutVersion != 2 {
		t.Fatalf("status: %+v %v", st, err)
	}
	ms, err := c.Members(ctx)
	if err != nil || len(ms) != 2 || ms[0].ID != "n1:7000" || ms[1].Site != "b" || ms[1].Capacity != 2<<30 {
		t.Fatalf("members (sorted by id): %+v %v", ms, err)
	}
}

// TestContextVisibility: a key sees the contexts it holds a grant in, and
// asking for another is a permission error whether it exists or not.
func TestContextVisibility(t *testing.T) {
	ctx := context.Background()
	_, mn, root := single(t)
	if _, err := root.CreateContext(ctx, model.Context{Name: "tenant2", Description: "another tenant"}); err != nil {
		t.Fatal(err)
	}
	names := func(c *client.Client) []string {
		cs, err := c.ListContexts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range cs {
			out = append(out, x.Name)
		}
		return out
	}
	if got := names(root); len(got) != 2 {
		t.Fatalf("root sees %v", got)
	}
	reader := newClient(t, mn, readKey, "n1:7000") // default/r1=read: a repo grant
	none := newClient(t, mn, nogrant, "n1:7000")
	if got := names(reader); len(got) != 1 || got[0] != "default" {
		t.Fatalf("a key with a grant in default only sees %v", got)
	}
	if got := names(none); len(got) != 0 {
		t.Fatalf("a key without grants sees %v", got)
	}
	if _, err := reader.GetContext(ctx, "default"); err != nil {
		t.Fatalf("reader get default: %v", err)
	}
	for _, c := range []string{"tenant2", "nope"} {
		if _, err := reader.GetContext(ctx, c); !errors.Is(err, model.ErrPermission) {
			t.Errorf("reader get context %s: %v, want ErrPermission", c, err)
		}
	}
}
