package s3backend

import (
	"errors"
	"maps"
	"testing"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// Bucket tags on a real Raft group (the backend on a follower): a writer
// sets them, a reader reads them, a reader and a ref alias cannot set
// them, the label alias shows the repo's, and removal leaves none.
func TestBucketTags(t *testing.T) {
	e := newEnvWith(t, 3, raftmetatest.Options{}, true, nil)
	e.mkBucket("tagged")
	e.put("tagged", "a", []byte("x"))
	if _, err := e.b.Commit(e.ctx, model.DefaultContext, "tagged", "", "m", model.Contributor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	writer := gateway.Identity{AccessKey: "AKW", Grants: map[string]string{"default/tagged": "write"}}
	reader := gateway.Identity{AccessKey: "AKR", Grants: map[string]string{"default/tagged": "read"}}
	stranger := gateway.Identity{AccessKey: "AKS", Grants: map[string]string{"default/other": "admin"}}
	if got, err := e.b.GetBucketTags(e.ctx, reader, "tagged"); err != nil || len(got) != 0 {
		t.Fatalf("untagged: %v %v", got, err)
	}
	want := map[string]string{"team": "ml", "cost": "42"}
	if err := e.b.PutBucketTags(e.ctx, writer, "tagged", want); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"tagged", "tagged--label--main"} {
		if got, err := e.b.GetBucketTags(e.ctx, reader, b); err != nil || !maps.Equal(got, want) {
			t.Errorf("%s: %v %v, want %v", b, got, err, want)
		}
	}
	for name, c := range map[string]struct {
		id     gateway.Identity
		bucket string
		want   error
	}{
		"reader":    {reader, "tagged", gateway.ErrAccessDenied},
		"stranger":  {stranger, "tagged", gateway.ErrAccessDenied},
		"alias":     {e.root, "tagged--label--main", gateway.ErrAccessDenied},
		"no bucket": {e.root, "missing", gateway.ErrNoSuchBucket},
	} {
		if err := e.b.PutBucketTags(e.ctx, c.id, c.bucket, map[string]string{"x": "y"}); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := e.b.GetBucketTags(e.ctx, stranger, "tagged"); !errors.Is(err, gateway.ErrAccessDenied) {
		t.Errorf("stranger reads tags: %v", err)
	}
	if got, _ := e.b.GetBucketTags(e.ctx, e.root, "tagged"); !maps.Equal(got, want) {
		t.Errorf("after refusals: %v", got)
	}
	if err := e.b.PutBucketTags(e.ctx, writer, "tagged", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := e.b.GetBucketTags(e.ctx, e.root, "tagged"); err != nil || len(got) != 0 {
		t.Errorf("removed: %v %v", got, err)
	}
}
