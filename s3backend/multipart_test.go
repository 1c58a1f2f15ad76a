package s3backend

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
)

func TestMultipartCompleteAbortAndErrors(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("mp")
	ctx, id := e.ctx, e.root
	meta := gateway.PutMeta{ContentType: "application/x-tar", UserMeta: map[string]string{"owner": "me"}}
	up, err := e.b.CreateMultipartUpload(ctx, id, "mp", "big.tar", meta)
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{data(1, 9000), data(2, 8192), data(3, 100)}
	var listed []gateway.Part
	for i, p := range parts {
		// Upload part 2 twice: the second upload replaces the first.
		if i == 1 {
			if _, err := e.b.UploadPart(ctx, id, "mp", "big.tar", up, 2, bytes.NewReader(data(9, 9000)), 9000, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		pi, err := e.b.UploadPart(ctx, id, "mp", "big.tar", up, i+1, bytes.NewReader(p), int64(len(p)), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, gateway.Part{Number: pi.Number, ETag: `"` + pi.ETag + `"`})
	}
	if _, err := e.b.UploadPart(ctx, id, "mp", "big.tar", up, 10001, bytes.NewReader(nil), 0, nil, nil); !errors.Is(err, gateway.ErrInvalidArgument) {
		t.Fatalf("part 10001: %v", err)
	}
	if _, err := e.b.UploadPart(ctx, id, "mp", "other", up, 1, bytes.NewReader(nil), 0, nil, nil); !errors.Is(err, gateway.ErrNoSuchUpload) {
		t.Fatalf("wrong key: %v", err)
	}
	ps, trunc, err := e.b.ListParts(ctx, id, "mp", "big.tar", up, 0, 2)
	if err != nil || len(ps) != 2 || !trunc || ps[1].Size != 8192 {
		t.Fatalf("list parts: %+v %v %v", ps, trunc, err)
	}
	ups, err := e.b.ListMultipartUploads(ctx, id, "mp", "big")
	if err != nil || len(ups) != 1 || ups[0].UploadID != up {
		t.Fatalf("uploads: %+v %v", ups, err)
	}
	for _, bad := range []struct {
		parts []gateway.Part
		want  error
	}{
		{[]gateway.Part{listed[1], listed[0]}, gateway.ErrInvalidPartOrder},
		{[]gateway.Part{listed[0], {Number: 2, ETag: "0123"}}, gateway.ErrInvalidPart},
		{[]gateway.Part{listed[0], {Number: 5, ETag: listed[1].ETag}}, gateway.ErrInvalidPart},
		{[]gateway.Part{listed[0], listed[2], {Number: 4, ETag: listed[2].ETag}}, gateway.ErrInvalidPart},
		{[]gateway.Part{listed[2], {Number: 4}}, gateway.ErrInvalidPart},
	} {
		if _, err := e.b.CompleteMultipartUpload(ctx, id, "mp", "big.tar", up, bad.parts); !errors.Is(err, bad.want) {
			t.Fatalf("complete %+v: %v, want %v", bad.parts, err, bad.want)
		}
	}
	// Part 3 (100 bytes) is fine last, too small in the middle.
	up2, _ := e.b.CreateMultipartUpload(ctx, id, "mp", "small", gateway.PutMeta{})
	var small []gateway.Part
	for n := 1; n <= 2; n++ {
		pi, err := e.b.UploadPart(ctx, id, "mp", "small", up2, n, bytes.NewReader(parts[2]), 100, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		small = append(small, gateway.Part{Number: n, ETag: pi.ETag})
	}
	if _, err := e.b.CompleteMultipartUpload(ctx, id, "mp", "small", up2, small); !errors.Is(err, gateway.ErrEntityTooSmall) {
		t.Fatalf("small middle part: %v", err)
	}
	if _, err := e.b.HeadObject(ctx, id, "mp", "big.tar"); !errors.Is(err, gateway.ErrNoSuchKey) {
		t.Fatalf("visible before complete: %v", err)
	}
	oi, err := e.b.CompleteMultipartUpload(ctx, id, "mp", "big.tar", up, listed)
	if err != nil {
		t.Fatal(err)
	}
	md := md5.New()
	var whole []byte
	for _, p := range parts {
		s := md5.Sum(p)
		md.Write(s[:])
		whole = append(whole, p...)
	}
	if want := fmt.Sprintf("%s-3", hex.EncodeToString(md.Sum(nil))); oi.ETag != want || oi.Size != int64(len(whole)) {
		t.Fatalf("complete: %+v want etag %s", oi, want)
	}
	got, info, err := e.get("mp", "big.tar", nil)
	if err != nil || !bytes.Equal(got, whole) || info.ContentType != "application/x-tar" || info.UserMeta["owner"] != "me" {
		t.Fatalf("get: %d bytes %+v %v", len(got), info, err)
	}
	// A resent completion (its answer lost; SDKs resend) gets the first
	// outcome and applies nothing: the object another writer put in
	// between stays. Another part list is NoSuchUpload.
	if _, err := e.b.PutObject(ctx, id, "mp", "big.tar", bytes.NewReader([]byte("later")), 5, gateway.PutMeta{}); err != nil {
		t.Fatal(err)
	}
	again, err := e.b.CompleteMultipartUpload(ctx, id, "mp", "big.tar", up, listed)
	if err != nil || again.ETag != oi.ETag || again.Size != oi.Size {
		t.Fatalf("resent complete: %+v %v, want the first outcome %+v", again, err, oi)
	}
	if got, _, err := e.get("mp", "big.tar", nil); err != nil || string(got) != "later" {
		t.Fatalf("the resent complete applied again: %q %v", got, err)
	}
	if _, err := e.b.CompleteMultipartUpload(ctx, id, "mp", "big.tar", up, listed[:2]); !errors.Is(err, gateway.ErrNoSuchUpload) {
		t.Fatalf("complete again with other parts: %v", err)
	}
	// Abort, then the upload is gone.
	if err := e.b.AbortMultipartUpload(ctx, id, "mp", "small", up2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.b.ListParts(ctx, id, "mp", "small", up2, 0, 10); !errors.Is(err, gateway.ErrNoSuchUpload) {
		t.Fatalf("list parts after abort: %v", err)
	}
	if ups, _ := e.b.ListMultipartUploads(ctx, id, "mp", ""); len(ups) != 0 {
		t.Fatalf("uploads left: %+v", ups)
	}
}

func TestUploadPartCopyReusesInnerChunks(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("pc")
	src := data(5, 30000)
	e.put("pc", "src", src)
	up, err := e.b.CreateMultipartUpload(e.ctx, e.root, "pc", "dst", gateway.PutMeta{})
	if err != nil {
		t.Fatal(err)
	}
	before := e.chunks.puts.Load()
	p1, err := e.b.UploadPartCopy(e.ctx, e.root, "pc", "dst", up, 1, "pc", "src", &gateway.Range{Start: 1000, Length: 20000})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.chunks.puts.Load() - before; n > 2 {
		t.Fatalf("part copy stored %d chunks (only the 2 edges expected)", n)
	}
	p2, err := e.b.UploadPartCopy(e.ctx, e.root, "pc", "dst", up, 2, "pc", "src", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := md5.Sum(src[1000:21000]); p1.ETag != hex.EncodeToString(s[:]) {
		t.Fatalf("part 1 etag %s", p1.ETag)
	}
	if _, err := e.b.CompleteMultipartUpload(e.ctx, e.root, "pc", "dst", up, []gateway.Part{p1, p2}); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte(nil), src[1000:21000]...), src...)
	if got := e.mustGet("pc", "dst"); !bytes.Equal(got, want) {
		t.Fatalf("dst: %d bytes, want %d", len(got), len(want))
	}
}

// TestCompletedObjectNamesItsUpload: the object a CompleteMultipartUpload
// made carries the upload ID (the gateway answers a repeated completion
// with it), through a commit; a copy of it does not.
func TestCompletedObjectNamesItsUpload(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("mpu")
	ctx, id := e.ctx, e.root
	up, err := e.b.CreateMultipartUpload(ctx, id, "mpu", "k", gateway.PutMeta{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.b.UploadPart(ctx, id, "mpu", "k", up, 1, bytes.NewReader(data(1, 100)), 100, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.b.CompleteMultipartUpload(ctx, id, "mpu", "k", up, []gateway.Part{{Number: 1, ETag: p.ETag}})
	if err != nil {
		t.Fatal(err)
	}
	// A repeated completion gets the first outcome (the FSM remembers it).
	if again, err := e.b.CompleteMultipartUpload(ctx, id, "mpu", "k", up, []gateway.Part{{Number: 1, ETag: p.ETag}}); err != nil || again.ETag != first.ETag {
		t.Fatalf("second completion: %+v %v, want %+v", again, err, first)
	}
	if oi, err := e.b.HeadObject(ctx, id, "mpu", "k"); err != nil || oi.UploadID != up {
		t.Fatalf("completed object: %+v %v", oi, err)
	}
	if oi, err := e.b.CopyObject(ctx, id, "mpu", "k", "mpu", "c", nil); err != nil || oi.UploadID != "" {
		t.Fatalf("copy: %+v %v", oi, err)
	}
	if _, err := e.b.Commit(ctx, model.DefaultContext, "mpu", "", "c1", model.Contributor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	if oi, err := e.b.HeadObject(ctx, id, "mpu", "k"); err != nil || oi.UploadID != up {
		t.Fatalf("committed object: %+v %v", oi, err)
	}
	if oi, _ := e.b.HeadObject(ctx, id, "mpu", "c"); oi.UploadID != "" {
		t.Fatalf("committed copy: %+v", oi)
	}
}

// TestTagsStored: object tags are stored with the object (PUT, multipart,
// copy with new metadata) and survive a commit.
func TestTagsStored(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("tagged")
	ctx, id := e.ctx, e.root
	tags := map[string]string{"team": "ml", "cost": "42"}
	if _, err := e.b.PutObject(ctx, id, "tagged", "p", bytes.NewReader([]byte("x")), 1, gateway.PutMeta{Tags: tags}); err != nil {
		t.Fatal(err)
	}
	up, err := e.b.CreateMultipartUpload(ctx, id, "tagged", "m", gateway.PutMeta{Tags: map[string]string{"mp": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.b.UploadPart(ctx, id, "tagged", "m", up, 1, bytes.NewReader([]byte("y")), 1, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.CompleteMultipartUpload(ctx, id, "tagged", "m", up, []gateway.Part{{Number: 1, ETag: p.ETag}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.CopyObject(ctx, id, "tagged", "p", "tagged", "p", &gateway.PutMeta{Tags: map[string]string{"new": "v"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Commit(ctx, model.DefaultContext, "tagged", "", "c", model.Contributor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]map[string]string{"p": {"new": "v"}, "m": {"mp": "1"}} {
		oi, err := e.b.HeadObject(ctx, id, "tagged", key)
		if err != nil || fmt.Sprint(oi.Tags) != fmt.Sprint(want) {
			t.Errorf("%s: tags %v (%v), want %v", key, oi.Tags, err, want)
		}
	}
}
