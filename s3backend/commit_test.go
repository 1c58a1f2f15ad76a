package s3backend

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// hookMeta is the real raftmeta.Meta with a hook run before CommitDraft,
// to make things happen "during" a commit.
type hookMeta struct {
	*raftmeta.Meta
	before func(n int)
	n      int
}

func (h *hookMeta) CommitDraft(ctx context.Context, c raftmeta.DraftCommit) (model.Bundle, error) {
	h.n++
	if h.before != nil {
		h.before(h.n)
	}
	return h.Meta.CommitDraft(ctx, c)
}

func TestCommitAliasesAndAttrs(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("ds")
	body := data(11, 7000)
	meta := gateway.PutMeta{ContentType: "text/csv", UserMeta: map[string]string{"Origin": "lab"},
		Headers: map[string]string{"Cache-Control": "no-cache"}}
	if _, err := e.b.PutObject(e.ctx, e.root, "ds", "t/data.csv", bytes.NewReader(body), int64(len(body)), meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Commit(e.ctx, model.DefaultContext, "ds", "", "", model.Contributor{}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("commit without message: %v", err)
	}
	b1, err := e.b.Commit(e.ctx, model.DefaultContext, "ds", "", "one", model.Contributor{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if b1.FileCount != 1 || b1.ByteCount != 7000 || len(b1.Parents) != 0 {
		t.Fatalf("bundle %+v", b1)
	}
	if l, err := e.meta.GetLabel(e.ctx, model.DefaultContext, "ds", "main"); err != nil || l.BundleID != b1.ID {
		t.Fatalf("label %+v %v", l, err)
	}
	if s, _ := e.b.DraftSummary(e.ctx, model.DefaultContext, "ds"); s.Objects != 0 {
		t.Fatalf("draft after commit %+v", s)
	}
	if _, err := e.b.Commit(e.ctx, model.DefaultContext, "ds", "", "empty", model.Contributor{}); !errors.Is(err, ErrEmptyDraft) {
		t.Fatalf("empty commit: %v", err)
	}
	sum := md5.Sum(body)
	bundleBucket := BucketName(Ref{Context: model.DefaultContext, Repo: "ds", Bundle: b1.ID})
	labelBucket := BucketName(Ref{Context: model.DefaultContext, Repo: "ds", Label: "main"})
	if bundleBucket != strings.ToLower(bundleBucket) {
		t.Fatalf("alias %q", bundleBucket)
	}
	// Change the working head; the bundle alias keeps the old content.
	e.put("ds", "t/data.csv", []byte("new"))
	for _, bk := range []string{bundleBucket, labelBucket} {
		got, oi, err := e.get(bk, "t/data.csv", nil)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s: %d bytes %v", bk, len(got), err)
		}
		if oi.ETag != hex.EncodeToString(sum[:]) || oi.ContentType != "text/csv" || oi.UserMeta["origin"] != "lab" || oi.Headers["Cache-Control"] != "no-cache" {
			t.Fatalf("%s: attrs lost: %+v", bk, oi)
		}
		keys, _, _ := e.listAll(bk, "", "/", 1000)
		if len(keys) != 0 {
			t.Fatalf("%s: listed %v at the root", bk, keys)
		}
		_, pfx, _ := e.listAll(bk, "", "/", 1000)
		if len(pfx) != 1 || pfx[0] != "t/" {
			t.Fatalf("%s: prefixes %v", bk, pfx)
		}
		// Every write to an alias is AccessDenied.
		if _, err := e.b.PutObject(e.ctx, e.root, bk, "x", strings.NewReader("x"), 1, gateway.PutMeta{}); !errors.Is(err, gateway.ErrAccessDenied) {
			t.Fatalf("put to %s: %v", bk, err)
		}
		if err := e.b.DeleteObject(e.ctx, e.root, bk, "t/data.csv"); !errors.Is(err, gateway.ErrAccessDenied) {
			t.Fatalf("delete in %s: %v", bk, err)
		}
		if _, err := e.b.CopyObject(e.ctx, e.root, "ds", "t/data.csv", bk, "c", nil); !errors.Is(err, gateway.ErrAccessDenied) {
			t.Fatalf("copy to %s: %v", bk, err)
		}
		if _, err := e.b.CreateMultipartUpload(e.ctx, e.root, bk, "m", gateway.PutMeta{}); !errors.Is(err, gateway.ErrAccessDenied) {
			t.Fatalf("multipart in %s: %v", bk, err)
		}
		if err := e.b.DeleteBucket(e.ctx, e.root, bk); !errors.Is(err, gateway.ErrAccessDenied) {
			t.Fatalf("delete bucket %s: %v", bk, err)
		}
		if err := e.b.CreateBucket(e.ctx, e.root, bk); !errors.Is(err, gateway.ErrAccessDenied) {
			t.Fatalf("create bucket %s: %v", bk, err)
		}
	}
	// Copy from an alias into the repo points at the same chunks.
	if _, err := e.b.CopyObject(e.ctx, e.root, bundleBucket, "t/data.csv", "ds", "restored.csv", nil); err != nil {
		t.Fatal(err)
	}
	if got := e.mustGet("ds", "restored.csv"); !bytes.Equal(got, body) {
		t.Fatal("restored content differs")
	}
	if _, err := e.b.HeadObject(e.ctx, e.root, "ds--label--nolabel", "x"); !errors.Is(err, gateway.ErrNoSuchBucket) {
		t.Fatalf("missing label alias: %v", err)
	}
}

func TestDraftWritesDuringCommitSurvive(t *testing.T) {
	e := newEnv(t, 1, nil)
	hm := &hookMeta{Meta: e.meta}
	b, err := New(testConfig(), hm, e.chunks)
	if err != nil {
		t.Fatal(err)
	}
	e.b = b
	e.mkBucket("live")
	e.put("live", "a", []byte("a1"))
	e.put("live", "b", []byte("b1"))
	hm.before = func(n int) {
		if n == 1 { // after the merge, before the command
			e.put("live", "late", []byte("late"))
			e.put("live", "a", []byte("a2"))
			if err := e.b.DeleteObject(e.ctx, e.root, "live", "b"); err != nil {
				t.Error(err)
			}
		}
	}
	b1, err := e.b.Commit(e.ctx, model.DefaultContext, "live", "", "c1", model.Contributor{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	alias1 := BucketName(Ref{Context: model.DefaultContext, Repo: "live", Bundle: b1.ID})
	if keys, _, _ := e.listAll(alias1, "", "", 100); strings.Join(keys, ",") != "a,b" || string(e.mustGet(alias1, "a")) != "a1" {
		t.Fatalf("bundle 1: %v", keys)
	}
	if keys, _, _ := e.listAll("live", "", "", 100); strings.Join(keys, ",") != "a,late" || string(e.mustGet("live", "a")) != "a2" {
		t.Fatalf("head after commit 1: %v", keys)
	}
	s, _ := e.b.DraftSummary(e.ctx, model.DefaultContext, "live")
	if s.Objects != 2 || s.Tombstones != 1 {
		t.Fatalf("draft kept %+v", s)
	}
	b2, err := e.b.Commit(e.ctx, model.DefaultContext, "live", "", "c2", model.Contributor{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b2.Parents) != 1 || b2.Parents[0] != b1.ID || b2.FileCount != 2 {
		t.Fatalf("bundle 2 %+v", b2)
	}
	alias2 := BucketName(Ref{Context: model.DefaultContext, Repo: "live", Bundle: b2.ID})
	if keys, _, _ := e.listAll(alias2, "", "", 100); strings.Join(keys, ",") != "a,late" || string(e.mustGet(alias2, "a")) != "a2" {
		t.Fatalf("bundle 2: %v", keys)
	}
}

func TestCommitRetriesWhenLabelMoves(t *testing.T) {
	e := newEnv(t, 1, nil)
	hm := &hookMeta{Meta: e.meta}
	b, err := New(testConfig(), hm, e.chunks)
	if err != nil {
		t.Fatal(err)
	}
	e.b = b
	e.mkBucket("mv")
	e.put("mv", "mine", []byte("m"))
	var other model.Bundle
	hm.before = func(n int) {
		if n != 1 {
			return
		}
		// Another writer (e.g. a CLI upload) moves main first.
		w := manifest.NewWriter(e.ctx, putter{e.chunks}, manifest.WriterConfig{})
		if err := w.Add(manifest.Entry{Path: "theirs", Type: manifest.Dir}); err != nil {
			t.Error(err)
		}
		root, err := w.Close()
		if err != nil {
			t.Error(err)
		}
		other, err = e.meta.CommitBundle(e.ctx, model.Bundle{Context: model.DefaultContext, Repo: "mv", Message: "cli",
			ManifestRoot: root.ID, Contributors: []model.Contributor{{Name: "cli"}}},
			&model.LabelSet{Name: "main", IfNotExists: true, Contributor: model.Contributor{Name: "cli"}})
		if err != nil {
			t.Error(err)
		}
	}
	bu, err := e.b.Commit(e.ctx, model.DefaultContext, "mv", "", "s3", model.Contributor{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if hm.n != 2 || len(bu.Parents) != 1 || bu.Parents[0] != other.ID || bu.FileCount != 1 {
		t.Fatalf("commit after retry: %+v (attempts %d)", bu, hm.n)
	}
	r, err := e.b.reader(e.ctx, bu)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	if err := r.Walk(e.ctx, "", func(en manifest.Entry) error { paths = append(paths, en.Path); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(paths, ",") != "mine,theirs" {
		t.Fatalf("merged manifest %v", paths)
	}
	// The label keeps moving: every attempt conflicts.
	e.put("mv", "again", []byte("x"))
	hm.n = 0
	hm.before = func(int) {
		l, _ := e.meta.GetLabel(e.ctx, model.DefaultContext, "mv", "main")
		b, err := e.meta.GetBundle(e.ctx, model.DefaultContext, "mv", l.BundleID)
		if err != nil {
			t.Error(err)
			return
		}
		b.Parents = []string{b.ID}
		if _, err := e.meta.CommitBundle(e.ctx, b, &model.LabelSet{Name: "main", IfMatch: b.ID}); err != nil {
			t.Error(err)
		}
	}
	if _, err := e.b.Commit(e.ctx, model.DefaultContext, "mv", "", "s3", model.Contributor{Name: "t"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("persistent conflict: %v", err)
	}
	if _, err := e.b.HeadObject(e.ctx, e.root, "mv", "again"); err != nil {
		t.Fatalf("draft lost after conflict: %v", err)
	}
}
