package s3backend

import (
	"bytes"
	"errors"
	"testing"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// Conditional completion on a real Raft group (backend on a follower),
// against the draft and against the committed base: If-None-Match *
// refuses an existing key, If-Match a missing key (NoSuchKey) or another
// ETag (PreconditionFailed), and a refused completion keeps the upload.
func TestConditionalCompleteRaft(t *testing.T) {
	e := newEnvWith(t, 3, raftmetatest.Options{}, true, nil)
	e.mkBucket("cmp")
	ctx, id := e.ctx, e.root
	start := func(key string, body []byte) (string, []gateway.Part) {
		t.Helper()
		up, err := e.b.CreateMultipartUpload(ctx, id, "cmp", key, gateway.PutMeta{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.b.UploadPart(ctx, id, "cmp", key, up, 1, bytes.NewReader(body), int64(len(body)), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return up, []gateway.Part{{Number: 1, ETag: p.ETag}}
	}
	up, parts := start("k", data(1, 100))
	if _, err := e.b.CompleteMultipartUploadIf(ctx, id, "cmp", "k", up, parts, gateway.Precondition{IfMatch: "*"}); !errors.Is(err, gateway.ErrNoSuchKey) {
		t.Fatalf("If-Match * on a missing key: %v", err)
	}
	first, err := e.b.CompleteMultipartUploadIf(ctx, id, "cmp", "k", up, parts, gateway.Precondition{IfNoneMatch: "*"})
	if err != nil {
		t.Fatal(err)
	}
	// Against the committed base too: the draft is empty after the commit.
	if _, err := e.b.Commit(ctx, model.DefaultContext, "cmp", "", "m", model.Contributor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	up2, parts2 := start("k", data(2, 100))
	for name, pre := range map[string]gateway.Precondition{
		"If-None-Match *":    {IfNoneMatch: "*"},
		"If-None-Match etag": {IfNoneMatch: first.ETag},
		"If-Match other":     {IfMatch: "0123456789abcdef0123456789abcdef"},
	} {
		if _, err := e.b.CompleteMultipartUploadIf(ctx, id, "cmp", "k", up2, parts2, pre); !errors.Is(err, gateway.ErrPreconditionFailed) {
			t.Errorf("%s: %v, want PreconditionFailed", name, err)
		}
	}
	if got := e.mustGet("cmp", "k"); !bytes.Equal(got, data(1, 100)) {
		t.Fatal("refused completions changed the object")
	}
	second, err := e.b.CompleteMultipartUploadIf(ctx, id, "cmp", "k", up2, parts2, gateway.Precondition{IfMatch: `"` + first.ETag + `"`})
	if err != nil || second.ETag == first.ETag {
		t.Fatalf("If-Match current: %+v %v", second, err)
	}
	if got := e.mustGet("cmp", "k"); !bytes.Equal(got, data(2, 100)) {
		t.Fatal("the conditional completion is not visible")
	}
}

// Conditional delete on Raft, against the committed base and the draft.
func TestConditionalDeleteRaft(t *testing.T) {
	e := newEnvWith(t, 3, raftmetatest.Options{}, true, nil)
	e.mkBucket("cdel")
	ctx, id := e.ctx, e.root
	base := e.put("cdel", "base", data(1, 50))
	if _, err := e.b.Commit(ctx, model.DefaultContext, "cdel", "", "m", model.Contributor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	draft := e.put("cdel", "draft", data(2, 50))
	for _, k := range []struct{ key, etag string }{{"base", base.ETag}, {"draft", draft.ETag}} {
		if err := e.b.DeleteObjectIf(ctx, id, "cdel", k.key, gateway.Precondition{IfMatch: "0123456789abcdef0123456789abcdef"}); !errors.Is(err, gateway.ErrPreconditionFailed) {
			t.Errorf("%s, other ETag: %v", k.key, err)
		}
		if _, err := e.b.HeadObject(ctx, id, "cdel", k.key); err != nil {
			t.Errorf("%s gone after a failed condition: %v", k.key, err)
		}
		if err := e.b.DeleteObjectIf(ctx, id, "cdel", k.key, gateway.Precondition{IfMatch: k.etag}); err != nil {
			t.Errorf("%s, current ETag: %v", k.key, err)
		}
		if _, err := e.b.HeadObject(ctx, id, "cdel", k.key); !errors.Is(err, gateway.ErrNoSuchKey) {
			t.Errorf("%s still there: %v", k.key, err)
		}
		if err := e.b.DeleteObjectIf(ctx, id, "cdel", k.key, gateway.Precondition{IfMatch: "*"}); !errors.Is(err, gateway.ErrNoSuchKey) {
			t.Errorf("%s, If-Match * once deleted: %v", k.key, err)
		}
	}
}
