package raftmeta_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// Bucket configuration: set through a follower, read back from every
// replica once converged, kept by rename, out-of-bounds input refused
// without a change, an empty configuration removes it.
func TestRepoS3Config(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader))
	d := model.DefaultContext
	mkRepo(t, ctx, m, "tagged")
	cfg := &model.RepoS3{Tags: map[string]string{"team": "ml", "cost-center": "42"}}
	got, err := m.SetRepoS3(ctx, d, "tagged", cfg)
	if err != nil || got.S3 == nil || got.S3.Tags["team"] != "ml" || got.Description == "" {
		t.Fatalf("set: %+v %v", got, err)
	}
	if _, err := c.Converged(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, id := range c.IDs() {
		r, err := c.Meta(id).GetRepo(ctx, d, "tagged")
		if err != nil || r.S3 == nil || len(r.S3.Tags) != 2 {
			t.Errorf("replica %s: %+v %v", id, r, err)
		}
	}
	many := &model.RepoS3{Tags: map[string]string{}}
	for i := range model.MaxBucketTags + 1 {
		many.Tags[fmt.Sprintf("k%d", i)] = "v"
	}
	for _, bad := range []*model.RepoS3{many, {Tags: map[string]string{"": "v"}},
		{Tags: map[string]string{"k": strings.Repeat("v", 257)}}} {
		if _, err := m.SetRepoS3(ctx, d, "tagged", bad); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("bad config: %v, want ErrInvalid", err)
		}
	}
	if r, err := m.GetRepo(ctx, d, "tagged"); err != nil || len(r.S3.Tags) != 2 {
		t.Fatalf("refused configs changed the repo: %+v %v", r, err)
	}
	if _, err := m.SetRepoS3(ctx, d, "missing", cfg); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("missing repo: %v", err)
	}
	if _, err := m.RenameRepo(ctx, d, "tagged", "renamed"); err != nil {
		t.Fatal(err)
	}
	r, err := m.GetRepo(ctx, d, "renamed")
	if err != nil || r.S3 == nil || r.S3.Tags["cost-center"] != "42" {
		t.Fatalf("after rename: %+v %v", r, err)
	}
	if got, err := m.SetRepoS3(ctx, d, "renamed", &model.RepoS3{}); err != nil || got.S3 != nil {
		t.Fatalf("clear: %+v %v", got, err)
	}
}
