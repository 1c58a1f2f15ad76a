package gateway_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestConditionalComplete: CompleteMultipartUpload with If-None-Match *
// (create only) and If-Match <etag> (replace that version only), sent by
// aws-sdk-go-v2: a failed condition answers 412 (404 NoSuchKey for
// If-Match on a missing key) and leaves the object and the upload as they
// were, so the client may complete it later without the condition; a
// list of ETags is refused, not ignored.
func TestConditionalComplete(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c := sdkClient(e, testAK, testSK)
	B := aws.String("condmp")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	upload := func(key, body string) (*string, []types.CompletedPart) {
		t.Helper()
		mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: B, Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: B, Key: aws.String(key), UploadId: mp.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte(body))})
		if err != nil {
			t.Fatal(err)
		}
		return mp.UploadId, []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p.ETag}}
	}
	complete := func(key string, id *string, parts []types.CompletedPart, im, inm string) (string, error) {
		in := &s3.CompleteMultipartUploadInput{Bucket: B, Key: aws.String(key), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}
		if im != "" {
			in.IfMatch = aws.String(im)
		}
		if inm != "" {
			in.IfNoneMatch = aws.String(inm)
		}
		out, err := c.CompleteMultipartUpload(ctx, in)
		if err != nil {
			return "", err
		}
		return *out.ETag, nil
	}
	content := func(key string) string {
		t.Helper()
		g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: B, Key: aws.String(key)})
		if err != nil {
			return "(" + apiCode(err) + ")"
		}
		defer g.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(g.Body)
		return b.String()
	}

	// If-None-Match *: the first completion creates the key.
	id1, parts1 := upload("k", "first")
	etag1, err := complete("k", id1, parts1, "", "*")
	if err != nil || content("k") != "first" {
		t.Fatalf("create-only completion: %v, content %q", err, content("k"))
	}
	// A repeated completion after a lost reply still answers 200.
	if again, err := complete("k", id1, parts1, "", "*"); err != nil || again != etag1 {
		t.Errorf("repeated completion: %q %v, want %q", again, err, etag1)
	}
	id2, parts2 := upload("k", "second")
	if _, err := complete("k", id2, parts2, "", "*"); apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-None-Match * on an existing key: %v", err)
	}
	if _, err := complete("k", id2, parts2, `"0123456789abcdef0123456789abcdef"`, ""); apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-Match with another ETag: %v", err)
	}
	if _, err := complete("k", id2, parts2, "", etag1); apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-None-Match with the current ETag: %v", err)
	}
	id3, parts3 := upload("nokey", "never")
	if _, err := complete("nokey", id3, parts3, "*", ""); apiCode(err) != "NoSuchKey" && apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-Match * on a missing key: %v", err)
	}
	if got := content("nokey"); got != "(NoSuchKey)" {
		t.Errorf("a failed If-Match created the key: %q", got)
	}
	resp := mustDo(t, signed(t, e, "POST", "/condmp/k?uploadId="+*id2, completeBody(parts2), map[string]string{"If-Match": `"a", "b"`}, time.Now()))
	resp.Body.Close()
	if resp.StatusCode != 501 {
		t.Errorf("If-Match with a list: %d, want 501", resp.StatusCode)
	}
	if content("k") != "first" {
		t.Fatalf("failed conditions changed the object: %q", content("k"))
	}
	// The upload survived every refusal: If-Match with the current ETag completes it.
	etag2, err := complete("k", id2, parts2, etag1, "")
	if err != nil || content("k") != "second" || etag2 == etag1 {
		t.Fatalf("If-Match with the current ETag: %v, content %q", err, content("k"))
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: B, Key: aws.String("nokey"), UploadId: id3}); err != nil {
		t.Errorf("the refused upload is gone: %v", err)
	}
	if ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: B}); err != nil || len(ups.Uploads) != 0 {
		t.Errorf("uploads left: %+v %v", ups, err)
	}
}

func completeBody(parts []types.CompletedPart) []byte {
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	for _, p := range parts {
		b.WriteString("<Part><PartNumber>1</PartNumber><ETag>" + *p.ETag + "</ETag></Part>")
	}
	b.WriteString("</CompleteMultipartUpload>")
	return []byte(b.String())
}

// TestConditionalDelete: DeleteObject with If-Match from aws-sdk-go-v2:
// another ETag answers 412 and keeps the object, a missing key 404
// NoSuchKey, the current ETag (or *) deletes; a list of ETags and the
// last-modified / size conditions are refused (501), not ignored.
func TestConditionalDelete(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c := sdkClient(e, testAK, testSK)
	B := aws.String("conddel")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	put := func(key string) string {
		t.Helper()
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: B, Key: aws.String(key), Body: bytes.NewReader([]byte("v " + key))})
		if err != nil {
			t.Fatal(err)
		}
		return *out.ETag
	}
	del := func(key, im string) error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: B, Key: aws.String(key), IfMatch: aws.String(im)})
		return err
	}
	exists := func(key string) bool {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: B, Key: aws.String(key)})
		return err == nil
	}
	etag := put("k")
	if err := del("k", `"0123456789abcdef0123456789abcdef"`); apiCode(err) != "PreconditionFailed" || !exists("k") {
		t.Errorf("If-Match another ETag: %v, exists %v", err, exists("k"))
	}
	if err := del("missing", etag); apiCode(err) != "NoSuchKey" {
		t.Errorf("If-Match on a missing key: %v", err)
	}
	now := time.Now()
	for name, h := range map[string]map[string]string{"list": {"If-Match": `"a", "b"`},
		"size": {"X-Amz-If-Match-Size": "3"}, "time": {"X-Amz-If-Match-Last-Modified-Time": "Wed, 01 Jan 2025 00:00:00 GMT"}} {
		resp := mustDo(t, signed(t, e, "DELETE", "/conddel/k", nil, h, now))
		resp.Body.Close()
		if resp.StatusCode != 501 || !exists("k") {
			t.Errorf("%s condition: %d, want 501", name, resp.StatusCode)
		}
	}
	if err := del("k", etag); err != nil || exists("k") {
		t.Errorf("If-Match the current ETag: %v, exists %v", err, exists("k"))
	}
	put("s")
	if err := del("s", "*"); err != nil || exists("s") {
		t.Errorf("If-Match *: %v, exists %v", err, exists("s"))
	}
}
