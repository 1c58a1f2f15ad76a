package raftmeta_test

import (
	"errors"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// Draft and multipart commands through a follower (forwarded): results,
// S3-specific statuses and the commit's sequence check.
func TestDraftAndUploadsThroughFollower(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader))
	mkRepo(t, ctx, c.Meta(leader), "dr")
	d := model.DefaultContext
	obj := func(p string, n uint32) raftmeta.DraftEntry {
		return raftmeta.DraftEntry{Path: p, Size: int64(n), ETag: "e-" + p,
			Chunks: []raftmeta.DraftChunk{{ID: chunk.Sum([]byte(p)), Size: n}}}
	}
	a, err := m.PutDraft(ctx, d, "dr", obj("a", 3), nil)
	if err != nil || a.Seq == 0 || a.MTime == 0 {
		t.Fatalf("put: %+v %v", a, err)
	}
	if _, err := m.PutDraft(ctx, d, "dr", obj("a", 3), &raftmeta.PutCondition{IfNoneMatch: true, Label: "main"}); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("if-none-match on draft entry: %v", err)
	}
	// No draft entry: the base is judged by the caller, the label must not have moved.
	cond := &raftmeta.PutCondition{IfNoneMatch: true, Label: "main", BaseBundle: "someid"}
	if _, err := m.PutDraft(ctx, d, "dr", obj("b", 1), cond); !errors.Is(err, raftmeta.ErrBaseMoved) {
		t.Fatalf("base moved: %v", err)
	}
	if _, err := m.PutDraft(ctx, d, "dr", obj("b", 1), &raftmeta.PutCondition{IfNoneMatch: true, Label: "main"}); err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteDraft(ctx, d, "dr", "gone"); err != nil {
		t.Fatal(err)
	}
	s, err := m.DraftSummary(ctx, d, "dr")
	if err != nil || s.Objects != 2 || s.Tombstones != 1 || s.Bytes != 4 {
		t.Fatalf("summary %+v %v", s, err)
	}
	es, err := m.ListDraft(ctx, d, "dr", "", "a\x00", 2)
	if err != nil || len(es) != 2 || es[0].Path != "b" || !es[1].Deleted {
		t.Fatalf("list %+v %v", es, err)
	}
	// Commit as of s.Seq; a later write stays.
	if _, err := m.PutDraft(ctx, d, "dr", obj("late", 2), nil); err != nil {
		t.Fatal(err)
	}
	dc := raftmeta.DraftCommit{Bundle: model.Bundle{Context: d, Repo: "dr", Message: "m", ManifestRoot: chunk.Sum([]byte("x"))},
		Label: model.LabelSet{Context: d, Repo: "dr", Name: "main", IfNotExists: true}, DraftSeq: s.Seq}
	b, err := m.CommitDraft(ctx, dc)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := m.GetLabel(ctx, d, "dr", "main"); err != nil || l.BundleID != b.ID {
		t.Fatalf("label %+v %v", l, err)
	}
	if _, err := m.CommitDraft(ctx, dc); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("second commit with IfNotExists: %v", err)
	}
	es, _ = m.ListDraft(ctx, d, "dr", "", "", 0)
	if len(es) != 1 || es[0].Path != "late" {
		t.Fatalf("draft after commit %+v", es)
	}
	// Multipart.
	u, err := m.CreateUpload(ctx, d, "dr", raftmeta.Upload{Key: "big", Attrs: map[string]string{"content-type": "x/y"}})
	if err != nil || u.ID == "" {
		t.Fatalf("create upload %+v %v", u, err)
	}
	if _, err := m.PutPart(ctx, d, "dr", "nope", raftmeta.UploadPart{Number: 1, ETag: "00"}); !errors.Is(err, raftmeta.ErrNoSuchUpload) {
		t.Fatalf("part of missing upload: %v", err)
	}
	for n := 1; n <= 2; n++ {
		p := raftmeta.UploadPart{Number: n, ETag: "0102", Size: 10, Chunks: []raftmeta.DraftChunk{{ID: chunk.Sum([]byte{byte(n)}), Size: 10}}}
		if _, err := m.PutPart(ctx, d, "dr", u.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	parts := []raftmeta.CompletePart{{Number: 1, ETag: "0102"}, {Number: 2, ETag: "0102"}}
	if _, err := m.CompleteUpload(ctx, d, "dr", u.ID, "big", parts, 11, nil, nil); !errors.Is(err, raftmeta.ErrEntityTooSmall) {
		t.Fatalf("too small: %v", err)
	}
	if _, err := m.CompleteUpload(ctx, d, "dr", u.ID, "big", []raftmeta.CompletePart{parts[1], parts[0]}, 1, nil, nil); !errors.Is(err, raftmeta.ErrInvalidPartOrder) {
		t.Fatalf("order: %v", err)
	}
	e, err := m.CompleteUpload(ctx, d, "dr", u.ID, "big", parts, 10, nil, nil)
	if err != nil || e.Size != 20 || len(e.Chunks) != 2 || e.Attrs["content-type"] != "x/y" || e.ETag[len(e.ETag)-2:] != "-2" {
		t.Fatalf("complete %+v %v", e, err)
	}
	if _, err := m.GetUpload(ctx, d, "dr", u.ID); !errors.Is(err, raftmeta.ErrNoSuchUpload) {
		t.Fatalf("upload after complete: %v", err)
	}
	// Discard, then deleting the repo leaves no draft behind on re-create.
	if err := m.DiscardDraft(ctx, d, "dr"); err != nil {
		t.Fatal(err)
	}
	if s, _ := m.DraftSummary(ctx, d, "dr"); s.Objects != 0 || s.Tombstones != 0 {
		t.Fatalf("after discard %+v", s)
	}
	if _, err := m.PutDraft(ctx, d, "dr", obj("x", 1), nil); err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteRepo(ctx, d, "dr"); err != nil {
		t.Fatal(err)
	}
	mkRepo(t, ctx, c.Meta(leader), "dr")
	if es, _ := m.ListDraft(ctx, d, "dr", "", "", 0); len(es) != 0 {
		t.Fatalf("draft survived repo delete: %+v", es)
	}
	if _, err := m.PutDraft(ctx, d, "nope", obj("x", 1), nil); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("draft in missing repo: %v", err)
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}
