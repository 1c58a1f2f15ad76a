package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
)

// Contexts, repos, bundles, labels and label moves record the
// authenticated key's contributor whatever the client claims; a key
// without one is recorded by its ID.
func TestContributorFromIdentity(t *testing.T) {
	anon := model.AccessKey{ID: "AKANON", Secret: "anon-secret", Grants: map[string]model.Permission{"default/*": model.PermWrite}}
	mn := memNet{}
	startNode(t, mn, "n1:7000", newMemMeta(append(allKeys, anon)...))
	mallory := model.Contributor{Name: "Mallory", Email: "m@evil"}
	as := func(k model.AccessKey) *client.Client {
		cfg := client.DefaultConfig()
		cfg.Endpoints, cfg.AccessKey, cfg.SecretKey, cfg.Dial = []string{"http://n1:7000"}, k.ID, k.Secret, mn.dial
		cfg.Timeout, cfg.Contributor = 5*time.Second, mallory // the client claims to be Mallory
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	root, writer, nobody := as(rootKey), as(writeKey), as(anon)
	if c, err := root.CreateContext(ctx, model.Context{Name: "prod", Contributor: mallory}); err != nil || c.Contributor != rootKey.Contributor {
		t.Fatalf("context: %+v %v", c, err)
	}
	if r, err := root.CreateRepo(ctx, model.Repo{Context: "default", Name: "r2", Description: "d", Contributor: mallory}); err != nil || r.Contributor != rootKey.Contributor {
		t.Fatalf("repo: %+v %v", r, err)
	}
	b, err := writer.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r2", Message: "m",
		Contributors: []model.Contributor{mallory, {Name: "Eve"}}}, "main")
	if err != nil || len(b.Contributors) != 1 || b.Contributors[0] != writeKey.Contributor {
		t.Fatalf("bundle: %+v %v", b, err)
	}
	l, err := writer.GetLabel(ctx, "default", "r2", "main")
	if err != nil || l.Contributor != writeKey.Contributor {
		t.Fatalf("label of commit: %+v %v", l, err)
	}
	if l, err = nobody.SetLabel(ctx, "default", "r2", "v1", b.ID, client.LabelOptions{}); err != nil || l.Contributor != (model.Contributor{Name: "AKANON"}) {
		t.Fatalf("label set by a key without contributor: %+v %v", l, err)
	}
	if l, err = writer.SetLabel(ctx, "default", "r2", "v1", b.ID, client.LabelOptions{}); err != nil || l.Contributor != writeKey.Contributor {
		t.Fatalf("label move: %+v %v", l, err)
	}
	h, err := writer.LabelHistory(ctx, "default", "r2", "v1")
	if err != nil || len(h) != 2 {
		t.Fatalf("history: %+v %v", h, err)
	}
	for _, mv := range h {
		if mv.Contributor != writeKey.Contributor && mv.Contributor != (model.Contributor{Name: "AKANON"}) {
			t.Errorf("label move recorded as %+v", mv.Contributor)
		}
	}
}
