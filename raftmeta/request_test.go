package raftmeta_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/reqid"
)

const testScope = "k:AKTEST"

// sent is one client request as the API would attach it: every call makes
// a fresh Request (a resend is a new HTTP request with the same ID).
func sent(ctx context.Context, id, op string) context.Context {
	issued, err := reqid.Parse(id)
	if err != nil {
		panic(err)
	}
	return reqid.With(ctx, &reqid.Request{Scope: testScope, ID: id, Issued: issued,
		Sum: reqid.Digest("POST", "/"+op, "", nil)})
}

// outcome is a call's result and error in a comparable form.
func outcome(v any, err error) string {
	js, _ := json.Marshal(v)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(js)
}

// Every write kind, sent with a request ID and then resent with the same
// ID (its first answer lost): the resend gets the first outcome and the
// write is applied once.
func TestRequestResendGetsFirstOutcome(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{Sites: []string{"a", "b", "c"}})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	var follower string
	for _, id := range c.IDs() {
		if id != leader {
			follower = id
		}
	}
	m := c.Meta(follower) // forwarded, like most client calls
	d := model.DefaultContext
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "gone", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	var b1 model.Bundle
	var upload raftmeta.Upload
	writes := []struct {
		name string
		run  func(ctx context.Context) string
	}{
		{"create context", func(ctx context.Context) string {
			return outcome(m.CreateContext(ctx, model.Context{Name: "c2"}))
		}},
		{"create repo", func(ctx context.Context) string {
			return outcome(m.CreateRepo(ctx, model.Repo{Context: d, Name: "r", Description: "x"}))
		}},
		{"commit", func(ctx context.Context) string {
			b, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "r", Message: "m"}, &model.LabelSet{Name: "main"})
			if err == nil {
				b1 = b
			}
			return outcome(b, err)
		}},
		{"label set", func(ctx context.Context) string {
			return outcome(m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "r", Name: "l", BundleID: b1.ID}))
		}},
		{"label set if-not-exists", func(ctx context.Context) string {
			return outcome(m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "r", Name: "n", BundleID: b1.ID, IfNotExists: true}))
		}},
		{"label set if-match", func(ctx context.Context) string {
			return outcome(m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "r", Name: "main", BundleID: b1.ID, IfMatch: b1.ID}))
		}},
		{"delete repo", func(ctx context.Context) string { return outcome(nil, m.DeleteRepo(ctx, d, "gone")) }},
		{"upload create", func(ctx context.Context) string {
			u, err := m.CreateUpload(ctx, d, "r", raftmeta.Upload{Key: "big"})
			upload = u
			return outcome(u, err)
		}},
		{"upload part", func(ctx context.Context) string {
			return outcome(m.PutPart(ctx, d, "r", upload.ID, raftmeta.UploadPart{Number: 1, ETag: "0102", Size: 10,
				Chunks: []raftmeta.DraftChunk{{ID: chunk.Sum([]byte("p1")), Size: 10}}}))
		}},
		{"multipart complete", func(ctx context.Context) string {
			return outcome(m.CompleteUpload(ctx, d, "r", upload.ID, "big", []raftmeta.CompletePart{{Number: 1, ETag: "0102"}}, 1, nil, nil))
		}},
		{"draft discard", func(ctx context.Context) string { return outcome(nil, m.DiscardDraft(ctx, d, "r")) }},
		{"drain", func(ctx context.Context) string { return outcome(nil, m.SetNodeCapacity(ctx, "n2", 0)) }},
		{"undrain", func(ctx context.Context) string { return outcome(m.UndrainNode(ctx, "n2")) }},
		{"repair rate", func(ctx context.Context) string { return outcome(nil, m.SetRepairRate(ctx, 7<<20)) }},
		{"user create", func(ctx context.Context) string {
			return outcome(m.CreateUser(ctx, model.User{Name: "ada", Email: "a@x"}))
		}},
		{"key create", func(ctx context.Context) string {
			return outcome(m.CreateKey(ctx, model.AccessKey{ID: "AKADA1", Secret: fmt.Sprintf("secret-%d-0123456789abcdef", time.Now().UnixNano()), User: "ada"}))
		}},
		{"key rotate", func(ctx context.Context) string {
			return outcome(m.RotateKey(ctx, "AKADA1", fmt.Sprintf("secret-%d-0123456789abcdef", time.Now().UnixNano()), 0))
		}},
		{"key delete", func(ctx context.Context) string { return outcome(nil, m.DeleteKey(ctx, "AKADA1")) }},
		{"run start", func(ctx context.Context) string {
			return outcome(m.StartRun(ctx, model.RunStart{Context: d, Name: "train", Owner: "ada"}))
		}},
	}
	for _, w := range writes {
		id := reqid.New(time.Now())
		first := w.run(sent(ctx, id, w.name))
		again := w.run(sent(ctx, id, w.name))
		if first != again {
			t.Errorf("%s: first outcome %s, resend got %s", w.name, first, again)
		}
		if len(first) > 6 && first[:6] == "error:" {
			t.Errorf("%s failed: %s", w.name, first)
		}
	}
	if bs, err := m.ListBundles(ctx, d, "r"); err != nil || len(bs) != 1 {
		t.Fatalf("bundles after a resent commit: %d %v", len(bs), err)
	}
	if h, err := m.LabelHistory(ctx, d, "r", "main"); err != nil || len(h) != 2 {
		t.Fatalf("main moved %d times (%v), want 2 (commit, one set)", len(h), err)
	}
	if runs, err := m.ListRuns(ctx, model.RunFilter{Context: d}); err != nil || len(runs) != 1 {
		t.Fatalf("runs after a resent start: %d %v", len(runs), err)
	}
}

// A precondition failure is an outcome too: the resend gets it even after
// the label moved so that the condition would now hold, and moves nothing.
func TestRequestResendKeepsPreconditionFailure(t *testing.T) {
	c := raftmetatest.New(t, 1, raftmetatest.Options{})
	waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	m, d := c.Meta("n1"), model.DefaultContext
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "r", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	b1, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "r", Message: "1"}, &model.LabelSet{Name: "main"})
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "r", Message: "2"}, nil)
	b3, _ := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "r", Message: "3"}, nil)
	move := model.LabelSet{Context: d, Repo: "r", Name: "main", BundleID: b3.ID, IfMatch: b2.ID}
	id := reqid.New(time.Now())
	if _, err := m.SetLabel(sent(ctx, id, "move"), move); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("move with a stale if-match: %v", err)
	}
	if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "r", Name: "main", BundleID: b2.ID, IfMatch: b1.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = m.SetLabel(sent(ctx, id, "move"), move)
	if !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("resend after the condition came true: %v, want the first precondition failure", err)
	}
	if l, _ := m.GetLabel(ctx, d, "r", "main"); l.BundleID != b2.ID {
		t.Fatalf("resend moved main to %s", l.BundleID)
	}
}

// An ID reused for another operation is refused and nothing is applied.
func TestRequestIDReuseRefused(t *testing.T) {
	c := raftmetatest.New(t, 1, raftmetatest.Options{})
	waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	m, d := c.Meta("n1"), model.DefaultContext
	id := reqid.New(time.Now())
	if _, err := m.CreateRepo(sent(ctx, id, "a"), model.Repo{Context: d, Name: "a", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	_, err := m.CreateRepo(sent(ctx, id, "b"), model.Repo{Context: d, Name: "b", Description: "x"})
	if !errors.Is(err, model.ErrRequestReused) {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := m.GetRepo(ctx, d, "b"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("repo of the refused request: %v", err)
	}
}
