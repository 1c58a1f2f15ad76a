package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
)

func TestContextsAndRepos(t *testing.T) {
	ctx := context.Background()
	n, _, c := single(t)

	got, err := c.CreateContext(ctx, model.Context{Name: "prod", Description: "production"})
	if err != nil || got.Name != "prod" || got.Contributor.Name != "Root" || got.Timestamp.IsZero() {
		t.Fatalf("create context: %+v %v", got, err)
	}
	if _, err := c.CreateContext(ctx, model.Context{Name: "prod"}); !errors.Is(err, model.ErrExists) {
		t.Fatalf("duplicate context: %v", err)
	}
	if _, err := c.CreateContext(ctx, model.Context{Name: "bad name"}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("bad context name: %v", err)
	}
	cs, err := c.ListContexts(ctx)
	if err != nil || len(cs) != 2 || cs[0].Name != "default" || cs[1].Name != "prod" {
		t.Fatalf("list contexts: %+v %v", cs, err)
	}
	if _, err := c.GetContext(ctx, "nope"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("get missing context: %v", err)
	}

	r, err := c.CreateRepo(ctx, model.Repo{Context: "prod", Name: "r1", Description: "first",
		Contributor: model.Contributor{Name: "Jane", Email: "j@x"}})
	if err != nil || r.Contributor.Name != "Root" { // the key's identity, not the client's claim (contributor_test.go)
		t.Fatalf("create repo: %+v %v", r, err)
	}
	if _, err := c.CreateRepo(ctx, model.Repo{Context: "prod", Name: "r1", Description: "again"}); !errors.Is(err, model.ErrExists) {
		t.Fatalf("duplicate repo: %v", err)
	}
	if _, err := c.CreateRepo(ctx, model.Repo{Context: "prod", Name: "r2"}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("repo without description: %v", err)
	}
	if _, err := c.CreateRepo(ctx, model.Repo{Context: "nope", Name: "r2", Description: "d"}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("repo in missing context: %v", err)
	}
	// Non-ASCII names survive path escaping and signing.
	if _, err := c.CreateRepo(ctx, model.Repo{Context: "prod", Name: "données-1", Description: "d"}); err != nil {
		t.Fatalf("unicode repo: %v", err)
	}
	if r, err := c.GetRepo(ctx, "prod", "données-1"); err != nil || r.Name != "données-1" {
		t.Fatalf("get unicode repo: %+v %v", r, err)
	}
	repos, err := c.ListRepos(ctx, "prod")
	if err != nil || len(repos) != 2 || repos[0].Name != "données-1" || repos[1].Name != "r1" {
		t.Fatalf("list repos: %+v %v", repos, err)
	}
	before := n.meta.writeCount()
	if _, err := c.GetRepo(ctx, "prod", "r1"); err != nil || n.meta.staleReads != 0 {
		t.Fatalf("linearizable get repo: %v (stale reads %d)", err, n.meta.staleReads)
	}
	if _, err := c.GetRepo(client.Stale(ctx), "prod", "r1"); err != nil || n.meta.staleReads != 1 {
		t.Fatalf("stale get repo: %v (stale reads %d)", err, n.meta.staleReads)
	}
	if err := c.DeleteRepo(ctx, "prod", "r1"); err != nil {
		t.Fatalf("delete repo: %v", err)
	}
	if n.meta.writeCount() != before+1 {
		t.Fatalf("delete did not write")
	}
	_, err = c.GetRepo(ctx, "prod", "r1")
	if !errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), `repo "r1"`) {
		t.Fatalf("get deleted repo: %v", err)
	}
	if err := c.DeleteRepo(ctx, "prod", "r1"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("delete missing repo: %v", err)
	}
}

func TestBundlesAndLabels(t *testing.T) {
	ctx := context.Background()
	_, _, c := single(t)
	if _, err := c.CreateRepo(ctx, model.Repo{Context: "default", Name: "r1", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LatestBundle(ctx, "default", "r1"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("latest of empty repo: %v", err)
	}
	root := chunk.Sum([]byte("manifest"))
	b1, err := c.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r1", Message: "one", ManifestRoot: root}, "v1.0")
	if err != nil || b1.ID == "" || b1.ManifestRoot != root || len(b1.Contributors) != 1 || b1.Contributors[0].Name != "Root" {
		t.Fatalf("commit: %+v %v", b1, err)
	}
	b2, err := c.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r1", Message: "two"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r1"}, "bad/label"); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("commit with bad label: %v", err)
	}
	bs, err := c.ListBundles(ctx, "default", "r1")
	if err != nil || len(bs) != 2 || bs[0].ID != b1.ID || bs[1].ID != b2.ID {
		t.Fatalf("list bundles: %+v %v", bs, err)
	}
	if l, err := c.LatestBundle(ctx, "default", "r1"); err != nil || l.ID != b2.ID {
		t.Fatalf("latest: %+v %v", l, err)
	}
	if g, err := c.GetBundle(ctx, "default", "r1", b1.ID); err != nil || g.Message != "one" {
		t.Fatalf("get bundle: %+v %v", g, err)
	}
	if _, err := c.GetBundle(ctx, "default", "r1", "nope"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("get missing bundle: %v", err)
	}

	if l, err := c.GetLabel(ctx, "default", "r1", "v1.0"); err != nil || l.BundleID != b1.ID {
		t.Fatalf("label from commit: %+v %v", l, err)
	}
	_, err = c.SetLabel(ctx, "default", "r1", "v1.0", b2.ID, client.LabelOptions{IfNotExists: true})
	if !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("if-not-exists on existing label: %v", err)
	}
	_, err = c.SetLabel(ctx, "default", "r1", "v1.0", b2.ID, client.LabelOptions{IfMatch: b2.ID})
	if !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("if-match mismatch: %v", err)
	}
	l, err := c.SetLabel(ctx, "default", "r1", "v1.0", b2.ID, client.LabelOptions{IfMatch: b1.ID})
	if err != nil || l.BundleID != b2.ID {
		t.Fatalf("if-match move: %+v %v", l, err)
	}
	if _, err := c.SetLabel(ctx, "default", "r1", "latest", b1.ID, client.LabelOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetLabel(ctx, "default", "r1", "x", "missing", client.LabelOptions{}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("label to missing bundle: %v", err)
	}
	if _, err := c.SetLabel(ctx, "default", "r1", "x", b1.ID, client.LabelOptions{IfMatch: "a", IfNotExists: true}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("exclusive conditions: %v", err)
	}
	ls, err := c.ListLabels(ctx, "default", "r1", "v1")
	if err != nil || len(ls) != 1 || ls[0].Name != "v1.0" {
		t.Fatalf("list labels prefix: %+v %v", ls, err)
	}
	ls, err = c.ListLabels(ctx, "default", "r1", "")
	if err != nil || len(ls) != 2 {
		t.Fatalf("list labels: %+v %v", ls, err)
	}
	h, err := c.LabelHistory(ctx, "default", "r1", "v1.0")
	if err != nil || len(h) != 2 || h[0].From != "" || h[1].From != b1.ID || h[1].To != b2.ID {
		t.Fatalf("history: %+v %v", h, err)
	}
}
