package gateway_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// TestClientMistakes: what a bad-input barrage found answered 5xx (or
// answered wrong) gets S3's answer.
func TestClientMistakes(t *testing.T) {
	e := startGateway(t)
	now := time.Now()
	expect(t, "create", signed(t, e, "PUT", "/cmk", nil, nil, now), 200, "")
	expect(t, "put", signed(t, e, "PUT", "/cmk/obj", []byte("0123456789"), map[string]string{
		"Content-Encoding": "gzip, br", "X-Amz-Meta-Raw": "Grüße", "X-Amz-Meta-Enc": mime.BEncoding.Encode("UTF-8", "日本"),
		"X-Amz-Meta-Latin": "caf\xe9",
	}, now), 200, "")

	// Listing parameters that no key can match: 400, not 500.
	for _, q := range []string{"?prefix=%00", "?list-type=2&prefix=%00", "?prefix=%ff", "?delimiter=%00", "?marker=a%00",
		"?list-type=2&start-after=%00", "?uploads&prefix=%00", "?uploads&key-marker=%ff"} {
		expect(t, "list "+q, signed(t, e, "GET", "/cmk"+q, nil, nil, now), 400, "InvalidArgument")
	}
	// An empty continuation token is echoed (and lists from the start).
	b := expect(t, "empty token", signed(t, e, "GET", "/cmk?list-type=2&continuation-token=", nil, nil, now), 200, "")
	if !bytes.Contains(b, []byte("<ContinuationToken></ContinuationToken>")) || !bytes.Contains(b, []byte("<Key>obj</Key>")) {
		t.Errorf("empty continuation-token: %s", b)
	}
	b = expect(t, "no token", signed(t, e, "GET", "/cmk?list-type=2", nil, nil, now), 200, "")
	if bytes.Contains(b, []byte("ContinuationToken")) {
		t.Errorf("continuation token echoed when not sent: %s", b)
	}
	b = expect(t, "v1 prefix", signed(t, e, "GET", "/cmk?prefix=o%20b", nil, nil, now), 200, "")
	if !bytes.Contains(b, []byte("<Prefix>o b</Prefix>")) {
		t.Errorf("v1 prefix echo: %s", b)
	}
	// encoding-type=url: v1 still echoes Prefix as sent (botocore does not
	// decode it), v2 encodes it.
	b = expect(t, "v1 prefix url", signed(t, e, "GET", "/cmk?prefix=o%20b&encoding-type=url", nil, nil, now), 200, "")
	if !bytes.Contains(b, []byte("<Prefix>o b</Prefix>")) {
		t.Errorf("v1 prefix echo with encoding-type=url: %s", b)
	}
	b = expect(t, "v2 prefix url", signed(t, e, "GET", "/cmk?list-type=2&prefix=o%20b&encoding-type=url", nil, nil, now), 200, "")
	if !bytes.Contains(b, []byte("<Prefix>o%20b</Prefix>")) {
		t.Errorf("v2 prefix echo with encoding-type=url: %s", b)
	}

	// A multi-range GET answers the whole object (as S3 does), not 501.
	st, _, body := do(t, signed(t, e, "GET", "/cmk/obj", nil, map[string]string{"Range": "bytes=0-0,1-1"}, now))
	if st != 200 || string(body) != "0123456789" {
		t.Errorf("multi-range: %d %q", st, body)
	}

	// Content-Encoding comes back as sent; metadata that is not ASCII comes
	// back RFC 2047 encoded and decodes to what was sent.
	resp := mustDo(t, signed(t, e, "GET", "/cmk/obj", nil, nil, now))
	resp.Body.Close()
	if got := resp.Header.Get("Content-Encoding"); got != "gzip, br" {
		t.Errorf("Content-Encoding %q", got)
	}
	dec := new(mime.WordDecoder)
	for h, want := range map[string]string{"X-Amz-Meta-Raw": "Grüße", "X-Amz-Meta-Enc": "日本", "X-Amz-Meta-Latin": "café"} {
		raw := resp.Header.Get(h)
		got, err := dec.DecodeHeader(raw)
		if err != nil || got != want {
			t.Errorf("%s: %q decodes to %q (%v), want %q", h, raw, got, err, want)
		}
		for i := 0; i < len(raw); i++ {
			if raw[i] >= 0x80 {
				t.Errorf("%s: %q is not ASCII", h, raw)
				break
			}
		}
	}

	// Conditional PUT: If-Match * means "exists"; If-None-Match <etag>
	// means "is not that version" (not 501).
	resp = mustDo(t, signed(t, e, "HEAD", "/cmk/obj", nil, nil, now))
	etag := resp.Header.Get("ETag")
	expect(t, "If-Match * existing", signed(t, e, "PUT", "/cmk/obj", []byte("0123456789"), map[string]string{"If-Match": "*"}, now), 200, "")
	expect(t, "If-Match * missing", signed(t, e, "PUT", "/cmk/none", []byte("x"), map[string]string{"If-Match": "*"}, now), 404, "NoSuchKey")
	mustNotExistIn(t, e, "cmk", "none")
	expect(t, "If-None-Match current", signed(t, e, "PUT", "/cmk/obj", []byte("new"), map[string]string{"If-None-Match": etag}, now), 412, "PreconditionFailed")
	expect(t, "If-None-Match other", signed(t, e, "PUT", "/cmk/obj", []byte("new"), map[string]string{"If-None-Match": `"0123"`}, now), 200, "")
	if _, _, b := do(t, signed(t, e, "GET", "/cmk/obj", nil, nil, now)); string(b) != "new" {
		t.Errorf("after If-None-Match write: %q", b)
	}
}

// TestMultipartS3Way: CreateMultipartUpload echoes the checksum algorithm;
// a CompleteMultipartUpload repeated after a lost reply answers 200 with
// the same ETag (SDKs retry it) while the object is still that upload's.
func TestMultipartS3Way(t *testing.T) {
	e := startGateway(t)
	now := time.Now()
	expect(t, "create", signed(t, e, "PUT", "/mpw", nil, nil, now), 200, "")
	resp := mustDo(t, signed(t, e, "POST", "/mpw/k?uploads", nil, map[string]string{"X-Amz-Checksum-Algorithm": "crc32c"}, now))
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Checksum-Algorithm") != "CRC32C" || resp.Header.Get("X-Amz-Checksum-Type") != "COMPOSITE" {
		t.Fatalf("create: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	expect(t, "bad algorithm", signed(t, e, "POST", "/mpw/k?uploads", nil, map[string]string{"X-Amz-Checksum-Algorithm": "ROT13"}, now), 400, "InvalidRequest")
	uid := string(regexp.MustCompile(`<UploadId>([^<]+)<`).FindSubmatch(b)[1])
	part := []byte("the only part")
	expect(t, "part", signed(t, e, "PUT", "/mpw/k?partNumber=1&uploadId="+uid, part, nil, now), 200, "")
	sum := md5.Sum(part)
	body := []byte(fmt.Sprintf(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"%x"</ETag></Part></CompleteMultipartUpload>`, sum))
	first := expect(t, "complete", signed(t, e, "POST", "/mpw/k?uploadId="+uid, body, nil, now), 200, "")
	again := expect(t, "complete again", signed(t, e, "POST", "/mpw/k?uploadId="+uid, body, nil, now), 200, "")
	etag := regexp.MustCompile(`<ETag>[^<]+</ETag>`)
	if e1, e2 := etag.Find(first), etag.Find(again); e1 == nil || !bytes.Equal(e1, e2) {
		t.Errorf("repeated complete: %s vs %s", first, again)
	}
	expect(t, "other upload id", signed(t, e, "POST", "/mpw/k?uploadId=nope", body, nil, now), 404, "NoSuchUpload")
	// Once the key holds another object, the upload is really gone.
	expect(t, "overwrite", signed(t, e, "PUT", "/mpw/k", []byte("other"), nil, now), 200, "")
	expect(t, "complete after overwrite", signed(t, e, "POST", "/mpw/k?uploadId="+uid, body, nil, now), 404, "NoSuchUpload")
	// A copy of the upload's object is not the upload's object.
	expect(t, "copy", signed(t, e, "PUT", "/mpw/c", nil, map[string]string{"X-Amz-Copy-Source": "/mpw/k"}, now), 200, "")
	expect(t, "complete onto copy", signed(t, e, "POST", "/mpw/c?uploadId="+uid, body, nil, now), 404, "NoSuchUpload")
}

// TestCopyChecksums: CopyObject honours x-amz-checksum-algorithm (the copy
// carries that full-object checksum) instead of ignoring it, and a copy of
// an object without checksums gains a CRC64NVME, as on S3.
func TestCopyChecksums(t *testing.T) {
	e := startGateway(t)
	now := time.Now()
	expect(t, "create", signed(t, e, "PUT", "/cpsum", nil, nil, now), 200, "")
	body := []byte("copy me with a checksum")
	expect(t, "put", signed(t, e, "PUT", "/cpsum/src", body, nil, now), 200, "")
	sum := sha256.Sum256(body)
	head := func(key string) http.Header {
		resp := mustDo(t, signed(t, e, "HEAD", "/cpsum/"+key, nil, map[string]string{"X-Amz-Checksum-Mode": "ENABLED"}, now))
		resp.Body.Close()
		return resp.Header
	}
	for _, c := range []struct{ dir, algo, key string }{{"COPY", "SHA256", "a"}, {"REPLACE", "sha256", "b"}} {
		expect(t, "copy "+c.dir, signed(t, e, "PUT", "/cpsum/"+c.key, nil, map[string]string{"X-Amz-Copy-Source": "/cpsum/src",
			"X-Amz-Metadata-Directive": c.dir, "X-Amz-Checksum-Algorithm": c.algo}, now), 200, "")
		h := head(c.key)
		if h.Get("X-Amz-Checksum-Sha256") != base64.StdEncoding.EncodeToString(sum[:]) || h.Get("X-Amz-Checksum-Type") != "FULL_OBJECT" {
			t.Errorf("copy %s with %s: %v", c.dir, c.algo, h)
		}
	}
	expect(t, "copy default", signed(t, e, "PUT", "/cpsum/c", nil, map[string]string{"X-Amz-Copy-Source": "/cpsum/src"}, now), 200, "")
	if h := head("c"); h.Get("X-Amz-Checksum-Crc64nvme") == "" {
		t.Errorf("default copy checksum: %v", h)
	}
	expect(t, "copy bad algorithm", signed(t, e, "PUT", "/cpsum/d", nil, map[string]string{"X-Amz-Copy-Source": "/cpsum/src",
		"X-Amz-Checksum-Algorithm": "MD4"}, now), 400, "InvalidRequest")
	mustNotExistIn(t, e, "cpsum", "d")
}
