package raftmeta_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// A repo stores its head label (default main); a commit with
// LabelSet.AsParent records the label's bundle as parent, read in the
// same command, and only then.
func TestHeadLabelAndLabelParent(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	m := c.Meta(follower(t, c, leader))
	d := model.DefaultContext
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "plain", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "trunked", Description: "x", HeadLabel: "trunk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "bad", Description: "x", HeadLabel: ".hidden"}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("head label .hidden: %v", err)
	}
	for name, want := range map[string]string{"plain": "main", "trunked": "trunk"} {
		r, err := c.Meta(leader).GetRepo(ctx, d, name)
		if err != nil || r.HeadLabel != want || r.Head() != want {
			t.Fatalf("repo %s: %+v %v, want head %s", name, r, err, want)
		}
	}

	commit := func(parents []string, ls *model.LabelSet) model.Bundle {
		t.Helper()
		b, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "plain", Message: "m", Parents: parents}, ls)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Meta(leader).GetBundle(ctx, d, "plain", b.ID)
		if err != nil || !slices.Equal(got.Parents, b.Parents) {
			t.Fatalf("stored bundle %+v %v, answer %+v", got, err, b)
		}
		return b
	}
	b1 := commit(nil, &model.LabelSet{Name: "main", AsParent: true})
	if len(b1.Parents) != 0 {
		t.Fatalf("first commit on a new label: parents %v", b1.Parents)
	}
	b2 := commit(nil, &model.LabelSet{Name: "main", AsParent: true})
	if !slices.Equal(b2.Parents, []string{b1.ID}) {
		t.Fatalf("second commit: parents %v, want [%s]", b2.Parents, b1.ID)
	}
	b3 := commit([]string{b1.ID}, &model.LabelSet{Name: "main", AsParent: true})
	if !slices.Equal(b3.Parents, []string{b2.ID, b1.ID}) {
		t.Fatalf("explicit parent + AsParent: %v, want [%s %s]", b3.Parents, b2.ID, b1.ID)
	}
	b4 := commit([]string{b3.ID}, &model.LabelSet{Name: "main", AsParent: true})
	if !slices.Equal(b4.Parents, []string{b3.ID}) {
		t.Fatalf("AsParent already a parent: %v, want [%s]", b4.Parents, b3.ID)
	}
	b5 := commit(nil, &model.LabelSet{Name: "main"})
	if len(b5.Parents) != 0 {
		t.Fatalf("without AsParent: parents %v", b5.Parents)
	}
}
