package s3backend

import (
	"bytes"
	"errors"
	"testing"

	"github.com/datamon-io/datamon/gateway"
)

// If-Match on a key that exists nowhere is NoSuchKey (as on S3), not
// PreconditionFailed; nothing is written.
func TestIfMatchOnMissingKeyIsNoSuchKey(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("cond2")
	cur := e.put("cond2", "there", []byte("v1"))
	_, err := e.b.PutObject(e.ctx, e.root, "cond2", "missing", bytes.NewReader([]byte("x")), 1, gateway.PutMeta{IfMatch: cur.ETag})
	if !errors.Is(err, gateway.ErrNoSuchKey) {
		t.Fatalf("If-Match on a missing key: %v", err)
	}
	_, err = e.b.PutObject(e.ctx, e.root, "cond2", "there", bytes.NewReader([]byte("x")), 1, gateway.PutMeta{IfMatch: "0123"})
	if !errors.Is(err, gateway.ErrPreconditionFailed) {
		t.Fatalf("If-Match with a wrong ETag: %v", err)
	}
	if _, _, err := e.get("cond2", "missing", nil); !errors.Is(err, gateway.ErrNoSuchKey) {
		t.Fatalf("refused write stored: %v", err)
	}
}

// A dotted bucket with a new context: root creates the context and the
// repo; other identities may not.
func TestCreateDottedBucketCreatesContext(t *testing.T) {
	e := newEnv(t, 1, nil)
	if err := e.b.CreateBucket(e.ctx, e.root, "newctx.withperiod"); err != nil {
		t.Fatal(err)
	}
	e.put("newctx.withperiod", "k", []byte("v"))
	if err := e.b.CreateBucket(e.ctx, e.root, "newctx.withperiod"); !errors.Is(err, gateway.ErrBucketExists) {
		t.Fatalf("second create: %v", err)
	}
	user := gateway.Identity{AccessKey: "u", Name: "u", Grants: map[string]string{"*/*": "admin"}}
	if err := e.b.CreateBucket(e.ctx, user, "otherctx.repo"); err == nil {
		t.Fatal("non-root created a context")
	}
}
