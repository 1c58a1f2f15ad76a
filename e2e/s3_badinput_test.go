package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
)

// s3BadInput: malformed or unauthorised requests against a real node get
// the right S3 error, store nothing and leave no partial object visible.
func s3BadInput(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	now := time.Now()
	const B, seedBody = "badinput", "seed-body-0123456789"
	s3expect(t, "create", e.signed(t, "PUT", "/"+B, nil, nil, now), 200, "")
	s3expect(t, "seed object", e.signed(t, "PUT", "/"+B+"/seed", []byte(seedBody), nil, now), 200, "")
	body := []byte("hello world")
	var bad []string // keys that must not exist afterwards

	// Wrong signature: the path changed after signing; a wrong secret.
	req := e.signed(t, "PUT", "/"+B+"/k1", body, nil, now)
	req.URL.Path = "/" + B + "/k2"
	s3expect(t, "tampered path", req, 403, "SignatureDoesNotMatch")
	wrong := *e
	wrong.sk = strings.Repeat("x", len(e.sk))
	s3expect(t, "wrong secret", wrong.signed(t, "PUT", "/"+B+"/k3", body, nil, now), 403, "SignatureDoesNotMatch")
	unknown := *e
	unknown.ak = "AKIDUNKNOWN000000000"
	s3expect(t, "unknown key", unknown.signed(t, "PUT", "/"+B+"/k4", body, nil, now), 403, "InvalidAccessKeyId")
	bad = append(bad, "k1", "k2", "k3", "k4")

	// Payload hash mismatch.
	req = e.signed(t, "PUT", "/"+B+"/k5", body, map[string]string{"X-Amz-Content-Sha256": s3sha([]byte("other"))}, now)
	s3expect(t, "sha mismatch", req, 400, "XAmzContentSHA256Mismatch")
	bad = append(bad, "k5")

	// Conditional PUTs that must not write: If-Match on a missing key
	// (NoSuchKey, as on S3), If-None-Match * on an existing one.
	s3expect(t, "If-Match on a missing key", e.signed(t, "PUT", "/"+B+"/cond", body,
		map[string]string{"If-Match": `"0123456789abcdef0123456789abcdef"`}, now), 404, "NoSuchKey")
	s3expect(t, "If-None-Match on the seed", e.signed(t, "PUT", "/"+B+"/seed", body,
		map[string]string{"If-None-Match": "*"}, now), 412, "PreconditionFailed")
	bad = append(bad, "cond")

	// Expired presigned URL: refused, the object's bytes are not returned.
	req, _ = http.NewRequest("GET", e.presign(t, "/"+B+"/seed", now.Add(-5*time.Minute), time.Minute), nil)
	if b := s3expect(t, "expired presign", req, 403, "AccessDenied"); bytes.Contains(b, []byte(seedBody)) {
		t.Errorf("expired presign returned data: %s", b)
	}

	// A body shorter than Content-Length (raw socket, then half-close).
	full := make([]byte, 3<<20)
	for i := range full {
		full[i] = byte(i * 7)
	}
	for i, ph := range []string{"UNSIGNED-PAYLOAD", s3sha(full)} {
		key := fmt.Sprintf("short%d", i)
		bad = append(bad, key)
		req := e.signed(t, "PUT", "/"+B+"/"+key, full, map[string]string{"X-Amz-Content-Sha256": ph}, now)
		conn, err := e.dialRaw()
		if err != nil {
			t.Fatal(err)
		}
		var hdr bytes.Buffer
		fmt.Fprintf(&hdr, "PUT /%s/%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", B, key, req.Host, len(full))
		for k, v := range req.Header {
			fmt.Fprintf(&hdr, "%s: %s\r\n", k, v[0])
		}
		hdr.WriteString("\r\n")
		conn.Write(hdr.Bytes())
		conn.Write(full[:2<<20])
		conn.CloseWrite()
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, _ := io.ReadAll(conn)
		conn.Close()
		t.Logf("short body (%s): %q", ph[:min(len(ph), 16)], firstLine(resp))
		if len(resp) > 0 && !bytes.Contains(resp, []byte("IncompleteBody")) {
			t.Errorf("short body (%s): %.300s", ph, resp)
		}
	}

	// Part number out of range / not a number.
	b := s3expect(t, "create multipart", e.signed(t, "POST", "/"+B+"/mp?uploads", nil, nil, now), 200, "")
	m := regexp.MustCompile(`<UploadId>([^<]+)</UploadId>`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no UploadId: %s", b)
	}
	upload := string(m[1])
	for _, n := range []string{"0", "10001", "-1", "x"} {
		req = e.signed(t, "PUT", "/"+B+"/mp?partNumber="+n+"&uploadId="+upload, body, nil, now)
		s3expect(t, "part "+n, req, 400, "InvalidArgument")
	}
	b = s3expect(t, "list parts", e.signed(t, "GET", "/"+B+"/mp?uploadId="+upload, nil, nil, now), 200, "")
	if bytes.Contains(b, []byte("<Part>")) {
		t.Errorf("parts stored by bad part numbers: %s", b)
	}
	s3expect(t, "abort", e.signed(t, "DELETE", "/"+B+"/mp?uploadId="+upload, nil, nil, now), 204, "")
	bad = append(bad, "mp")

	// Keys with dot segments, an empty segment, NUL.
	for _, p := range []string{"a/../b", "./x", "..", "a/./b", "x/..", "/lead", "a%00b"} {
		s3expect(t, "key "+p, e.signed(t, "PUT", "/"+B+"/"+p, body, nil, now), 400, "InvalidArgument")
	}
	bad = append(bad, "b", "a/b", "x", "lead", "a/../b", "a\x00b")

	// Oversized header: refused by the read-buffer bound.
	req = e.signed(t, "PUT", "/"+B+"/big-header", body, map[string]string{"X-Amz-Meta-Big": strings.Repeat("a", 80<<10)}, now)
	if resp, err := httpClient().Do(req); err == nil {
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 && resp.StatusCode != 431 {
			t.Errorf("oversized header: %d %s", resp.StatusCode, rb)
		}
	}
	bad = append(bad, "big-header")

	// Nothing stored: only the seed is listed, nothing else HEAD-able, no
	// multipart upload left.
	if keys := e.listKeys(t, B, ""); len(keys) != 1 || keys[0] != "seed" {
		t.Errorf("objects after bad requests: %q", keys)
	}
	for _, k := range bad {
		if !strings.ContainsAny(k, "\x00") {
			e.s3absent(t, B, k)
		}
	}
	if got := s3expect(t, "GET seed", e.signed(t, "GET", "/"+B+"/seed", nil, nil, now), 200, ""); string(got) != seedBody {
		t.Errorf("seed overwritten: %q", got)
	}
	b = s3expect(t, "list uploads", e.signed(t, "GET", "/"+B+"?uploads", nil, nil, now), 200, "")
	if bytes.Contains(b, []byte("<Upload>")) {
		t.Errorf("multipart uploads left: %s", b)
	}
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return strings.TrimSpace(string(b))
}
