package s3backend

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// An S3 PUT (and a multipart upload's part) whose key is deleted,
// downgraded to read or rotated without grace between the gateway's
// authentication and the metadata write is refused with AccessDenied, and
// no replica holds the object; an unchanged key's PUT is stored.
func TestS3WriteRacingRevocationIsRefused(t *testing.T) {
	e := newEnvWith(t, 3, raftmetatest.Options{}, true, nil) // e.meta: a follower
	e.mkBucket("pub")
	leader, err := e.c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	lm := e.c.Meta(leader)
	write := map[string]model.Permission{"default/pub": model.PermWrite}
	for _, ak := range []string{"AKSTEADY", "AKDELETED", "AKDOWN", "AKROTATED", "AKPART"} {
		if err := lm.PutAccessKey(e.ctx, model.AccessKey{ID: ak, Secret: "secret-of-" + ak, Grants: write}); err != nil {
			t.Fatal(err)
		}
	}
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, err := e.meta.GetAccessKey(raftmeta.WithStale(e.ctx), "AKPART")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rm := &raftmetatest.RacingMeta{Meta: e.meta}
	b, err := New(testConfig(), rm, e.chunks)
	if err != nil {
		t.Fatal(err)
	}
	url := serveGatewayWith(t, b, nil)
	put := func(ak, key string) error {
		_, err := s3As(url, ak, "secret-of-"+ak).PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("pub"),
			Key: aws.String(key), Body: strings.NewReader(key)})
		return err
	}
	race := rm.Race
	if err := put("AKSTEADY", "steady"); err != nil {
		t.Fatalf("unchanged key: %v", err)
	}
	race("AKDELETED", func(ctx context.Context) error { return lm.DeleteKey(ctx, "AKDELETED") })
	if err := put("AKDELETED", "after-delete"); s3Code(err) != "AccessDenied" {
		t.Fatalf("PUT racing the key's delete: %v, want AccessDenied", err)
	}
	race("AKDOWN", func(ctx context.Context) error {
		_, err := lm.AddGrant(ctx, "AKDOWN", "default/pub", model.PermRead)
		return err
	})
	if err := put("AKDOWN", "after-downgrade"); s3Code(err) != "AccessDenied" {
		t.Fatalf("PUT racing a downgrade to read: %v, want AccessDenied", err)
	}
	race("AKROTATED", func(ctx context.Context) error {
		_, err := lm.RotateKey(ctx, "AKROTATED", "the-new-secret-0123456789", 0)
		return err
	})
	if err := put("AKROTATED", "after-rotation"); s3Code(err) != "AccessDenied" {
		t.Fatalf("PUT racing a rotation without grace: %v, want AccessDenied", err)
	}
	// A multipart upload: created with the key, its part races the delete.
	cl := s3As(url, "AKPART", "secret-of-AKPART")
	up, err := cl.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("pub"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	race("AKPART", func(ctx context.Context) error { return lm.DeleteKey(ctx, "AKPART") })
	_, err = cl.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String("pub"), Key: aws.String("mp"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if s3Code(err) != "AccessDenied" {
		t.Fatalf("UploadPart racing the key's delete: %v, want AccessDenied", err)
	}

	if _, err := e.c.Converged(e.ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, id := range e.c.Running() {
		m := e.c.Meta(id)
		for key, want := range map[string]bool{"steady": true, "after-delete": false, "after-downgrade": false, "after-rotation": false} {
			_, err := m.GetDraftEntry(raftmeta.WithStale(e.ctx), "default", "pub", key)
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("%s: draft entry %s: %v", id, key, err)
			}
			if (err == nil) != want {
				t.Fatalf("%s: draft entry %s present=%v, want %v", id, key, err == nil, want)
			}
		}
		parts, err := m.ListParts(raftmeta.WithStale(e.ctx), "default", "pub", *up.UploadId, 0, 10)
		if err != nil || len(parts) != 0 {
			t.Fatalf("%s: parts of the upload: %+v %v, want none", id, parts, err)
		}
	}
}
