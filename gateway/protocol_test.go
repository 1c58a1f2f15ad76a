package gateway_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestProtocol covers conditionals, ranges, copy, listing options,
// virtual-host addressing and the canned answers, with raw signed requests.
func TestProtocol(t *testing.T) {
	e := startGateway(t)
	now := time.Now()
	ctx := context.Background()
	expect(t, "create", signed(t, e, "PUT", "/proto", nil, nil, now), 200, "")
	body := []byte("0123456789abcdefghij")
	req := signed(t, e, "PUT", "/proto/dir/obj", body, map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Owner": "ann", "Cache-Control": "no-cache"}, now)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("put: %v %v", err, resp.Status)
	}
	etag := resp.Header.Get("ETag")
	resp.Body.Close()

	get := func(hdr map[string]string) *http.Response {
		t.Helper()
		resp, err := http.DefaultClient.Do(signed(t, e, "GET", "/proto/dir/obj", nil, hdr, now))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	check := func(what string, resp *http.Response, status int, wantBody string) {
		t.Helper()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status || (wantBody != "" && b.String() != wantBody) {
			t.Errorf("%s: %d %q, want %d %q", what, resp.StatusCode, b.String(), status, wantBody)
		}
	}
	r := get(nil)
	if r.Header.Get("Cache-Control") != "no-cache" || r.Header.Get("x-amz-meta-owner") != "ann" || r.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("stored headers: %v", r.Header)
	}
	check("plain", r, 200, string(body))
	check("range", get(map[string]string{"Range": "bytes=2-4"}), 206, "234")
	check("open range", get(map[string]string{"Range": "bytes=15-"}), 206, "fghij")
	check("suffix", get(map[string]string{"Range": "bytes=-3"}), 206, "hij")
	check("unsatisfiable", get(map[string]string{"Range": "bytes=50-"}), 416, "")
	check("multi range", get(map[string]string{"Range": "bytes=0-1,3-4"}), 200, string(body))
	check("multi range 0-0,1-1", get(map[string]string{"Range": "bytes=0-0,1-1"}), 200, string(body))
	check("if-match ok", get(map[string]string{"If-Match": etag}), 200, string(body))
	check("if-match fail", get(map[string]string{"If-Match": `"nope"`}), 412, "")
	check("if-none-match", get(map[string]string{"If-None-Match": etag}), 304, "")
	future := now.Add(time.Hour).UTC().Format(http.TimeFormat)
	past := now.Add(-time.Hour).UTC().Format(http.TimeFormat)
	check("if-modified-since", get(map[string]string{"If-Modified-Since": future}), 304, "")
	check("if-modified-since past", get(map[string]string{"If-Modified-Since": past}), 200, string(body))
	check("if-unmodified-since", get(map[string]string{"If-Unmodified-Since": past}), 412, "")
	r, _ = http.DefaultClient.Do(signed(t, e, "GET", "/proto/dir/obj?response-content-type=x%2Fy&response-content-disposition=attachment", nil, nil, now))
	if r.Header.Get("Content-Type") != "x/y" || r.Header.Get("Content-Disposition") != "attachment" {
		t.Errorf("response overrides: %v", r.Header)
	}
	check("overrides", r, 200, string(body))

	// HEAD errors carry no body; HEAD keeps Content-Length.
	r, _ = http.DefaultClient.Do(signed(t, e, "HEAD", "/proto/missing", nil, nil, now))
	if r.StatusCode != 404 || r.ContentLength > 0 {
		t.Errorf("HEAD missing: %d len %d", r.StatusCode, r.ContentLength)
	}
	r, _ = http.DefaultClient.Do(signed(t, e, "HEAD", "/proto/dir/obj", nil, nil, now))
	if r.StatusCode != 200 || r.ContentLength != int64(len(body)) {
		t.Errorf("HEAD: %d len %d", r.StatusCode, r.ContentLength)
	}

	// Conditional PUT and Content-MD5.
	expect(t, "put if-none-match", signed(t, e, "PUT", "/proto/dir/obj", body, map[string]string{"If-None-Match": "*"}, now), 412, "PreconditionFailed")
	expect(t, "put if-match", signed(t, e, "PUT", "/proto/dir/obj", body, map[string]string{"If-Match": `"0000"`}, now), 412, "PreconditionFailed")
	expect(t, "bad md5", signed(t, e, "PUT", "/proto/md5", body, map[string]string{"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, now), 400, "BadDigest")
	mustNotExistIn(t, e, "proto", "md5")

	// Virtual-host style: Host bucket.s3.local.
	req = signed(t, e, "GET", "/dir/obj", nil, nil, now)
	req.Host = "proto.s3.local"
	req = resign(t, req, now)
	check("virtual host", mustDo(t, req), 200, string(body))

	// Copy (COPY and REPLACE directives, copy-source conditionals, self copy).
	c := sdkClient(e, testAK, testSK)
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("proto"), Key: aws.String("copy 1"), CopySource: aws.String("proto/dir%2Fobj")}); err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("proto"), Key: aws.String("copy 1")})
	if err != nil || h.Metadata["owner"] != "ann" || `"`+strings.Trim(*h.ETag, `"`)+`"` != etag {
		t.Errorf("copy kept metadata: %v %v", err, h)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("proto"), Key: aws.String("copy2"), CopySource: aws.String("proto/dir/obj"),
		CopySourceIfMatch: aws.String(`"nope"`)}); apiCode(err) != "PreconditionFailed" {
		t.Errorf("copy-source-if-match: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("proto"), Key: aws.String("dir/obj"), CopySource: aws.String("proto/dir/obj")}); apiCode(err) != "InvalidRequest" {
		t.Errorf("self copy: %v", err)
	}
	expect(t, "copy version", signed(t, e, "PUT", "/proto/c3", nil, map[string]string{"X-Amz-Copy-Source": "/proto/dir/obj?versionId=abc"}, now), 501, "NotImplemented")

	// Listing: v1 NextMarker with delimiter, v2 url encoding and start-after.
	for _, k := range []string{"a/1", "a/2", "b/1", "c", "d e"} {
		c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("proto"), Key: aws.String(k), Body: bytes.NewReader(nil)})
	}
	v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("proto"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	if err != nil || !*v1.IsTruncated || v1.NextMarker == nil || *v1.NextMarker != "b/" {
		t.Errorf("v1: %v %+v", err, v1)
	}
	v2, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("proto"), StartAfter: aws.String("c"), EncodingType: types.EncodingTypeUrl})
	if err != nil || len(v2.Contents) != 3 || *v2.Contents[1].Key != "d%20e" || *v2.Contents[2].Key != "dir/obj" {
		var ks []string
		for _, o := range v2.Contents {
			ks = append(ks, *o.Key)
		}
		t.Errorf("v2 start-after/url: %v %q", err, ks)
	}
	b := expect(t, "v2 raw encoding", signed(t, e, "GET", "/proto?list-type=2&encoding-type=url&prefix=d", nil, nil, now), 200, "")
	if !bytes.Contains(b, []byte("<Key>d%20e</Key>")) {
		t.Errorf("url encoding: %s", b)
	}
	expect(t, "bad token", signed(t, e, "GET", "/proto?list-type=2&continuation-token=%25%25", nil, nil, now), 400, "InvalidArgument")
	expect(t, "versioning", signed(t, e, "GET", "/proto?versioning", nil, nil, now), 200, "")
	expect(t, "acl", signed(t, e, "GET", "/proto?acl", nil, nil, now), 200, "")
	expect(t, "location", signed(t, e, "GET", "/proto?location", nil, nil, now), 200, "")
	expect(t, "bucket tagging", signed(t, e, "PUT", "/proto?tagging", []byte("<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"), nil, now), 204, "")
	if b := expect(t, "bucket tags", signed(t, e, "GET", "/proto?tagging", nil, nil, now), 200, ""); !bytes.Contains(b, []byte("<Key>k</Key><Value>v</Value>")) {
		t.Errorf("bucket tags: %s", b)
	}
	expect(t, "not empty", signed(t, e, "DELETE", "/proto", nil, nil, now), 409, "BucketNotEmpty")
	expect(t, "no bucket", signed(t, e, "GET", "/nobucket", nil, nil, now), 404, "NoSuchBucket")
	expect(t, "bad bucket", signed(t, e, "PUT", "/Bad_Bucket", nil, nil, now), 400, "InvalidBucketName")
}

func mustDo(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func mustNotExistIn(t *testing.T, e *env, bucket, key string) {
	t.Helper()
	if _, err := e.backend.HeadObject(context.Background(), rootID, bucket, key); err == nil {
		t.Errorf("%s/%s exists after a failed request", bucket, key)
	}
}
