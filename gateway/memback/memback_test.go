package memback

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/datamon-io/datamon/gateway"
)

var root = gateway.Identity{Root: true}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, gateway.ErrContentSHA256Mismatch
	}
	f.n--
	p[0] = 'x'
	return 1, nil
}

func TestContract(t *testing.T) {
	ctx := context.Background()
	m, err := New(Config{MinPartSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CreateBucket(ctx, root, "bkt"); err != nil {
		t.Fatal(err)
	}
	// A failing or short body stores nothing.
	if _, err := m.PutObject(ctx, root, "bkt", "k", &failingReader{n: 3}, 10, gateway.PutMeta{}); !errors.Is(err, gateway.ErrContentSHA256Mismatch) {
		t.Fatalf("failing body: %v", err)
	}
	if _, err := m.PutObject(ctx, root, "bkt", "k", bytes.NewReader([]byte("abc")), 10, gateway.PutMeta{}); !errors.Is(err, gateway.ErrIncompleteBody) {
		t.Fatalf("short body: %v", err)
	}
	if _, err := m.HeadObject(ctx, root, "bkt", "k"); !errors.Is(err, gateway.ErrNoSuchKey) {
		t.Fatalf("partial object visible: %v", err)
	}
	info, err := m.PutObject(ctx, root, "bkt", "k", bytes.NewReader([]byte("hello")), 5, gateway.PutMeta{IfNoneMatch: "*"})
	sum := md5.Sum([]byte("hello"))
	if err != nil || info.ETag != hex.EncodeToString(sum[:]) {
		t.Fatalf("put: %v %+v", err, info)
	}
	if _, err := m.PutObject(ctx, root, "bkt", "k", bytes.NewReader([]byte("x")), 1, gateway.PutMeta{IfNoneMatch: "*"}); !errors.Is(err, gateway.ErrPreconditionFailed) {
		t.Fatalf("if-none-match: %v", err)
	}
	if _, err := m.PutObject(ctx, root, "bkt", "k2", bytes.NewReader([]byte("x")), 1, gateway.PutMeta{ContentMD5: sum[:]}); !errors.Is(err, gateway.ErrBadDigest) {
		t.Fatalf("md5: %v", err)
	}
	// Multipart ETag = md5(concat(part md5s))-N.
	uid, _ := m.CreateMultipartUpload(ctx, root, "bkt", "mp", gateway.PutMeta{})
	p1, _ := m.UploadPart(ctx, root, "bkt", "mp", uid, 1, bytes.NewReader([]byte("aaaa")), 4, nil, nil)
	p2, _ := m.UploadPart(ctx, root, "bkt", "mp", uid, 2, bytes.NewReader([]byte("b")), 1, nil, nil)
	if _, err := m.CompleteMultipartUpload(ctx, root, "bkt", "mp", uid, []gateway.Part{p2, p1}); !errors.Is(err, gateway.ErrInvalidPartOrder) {
		t.Fatalf("order: %v", err)
	}
	info, err = m.CompleteMultipartUpload(ctx, root, "bkt", "mp", uid, []gateway.Part{p1, p2})
	a, b := md5.Sum([]byte("aaaa")), md5.Sum([]byte("b"))
	all := md5.Sum(append(a[:], b[:]...))
	if err != nil || info.ETag != hex.EncodeToString(all[:])+"-2" || info.Size != 5 {
		t.Fatalf("complete: %v %+v", err, info)
	}
	_, rc, err := m.GetObject(ctx, root, "bkt", "mp", &gateway.Range{Start: 3, Length: 2})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if string(got) != "ab" {
		t.Fatalf("range: %q", got)
	}
	if err := m.DeleteBucket(ctx, root, "bkt"); !errors.Is(err, gateway.ErrBucketNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
	ro := gateway.Identity{Grants: map[string]string{"*/bkt": "read"}}
	if _, err := m.PutObject(ctx, ro, "bkt", "z", bytes.NewReader(nil), 0, gateway.PutMeta{}); !errors.Is(err, gateway.ErrAccessDenied) {
		t.Fatalf("read-only write: %v", err)
	}
}
