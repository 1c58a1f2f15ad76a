package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// signed builds a request signed by the SDK's SigV4 signer.
func signed(t *testing.T, e *env, method, path string, body []byte, hdr map[string]string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	ph := sha(body)
	if v := req.Header.Get("X-Amz-Content-Sha256"); v != "" {
		ph = v
	}
	req.Header.Set("X-Amz-Content-Sha256", ph)
	err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK}, req, ph, "s3", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// resign signs req again (after changing Host).
func resign(t *testing.T, req *http.Request, at time.Time) *http.Request {
	t.Helper()
	req.Header.Del("Authorization")
	err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK}, req, req.Header.Get("X-Amz-Content-Sha256"), "s3", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// do sends req and returns status, S3 error code and body.
func do(t *testing.T, req *http.Request) (int, string, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	code := ""
	if i := bytes.Index(b, []byte("<Code>")); i >= 0 {
		j := bytes.Index(b[i:], []byte("</Code>"))
		code = string(b[i+6 : i+j])
	}
	if resp.Header.Get("x-amz-request-id") == "" {
		t.Errorf("%s %s: no x-amz-request-id", req.Method, req.URL)
	}
	return resp.StatusCode, code, b
}

func expect(t *testing.T, what string, req *http.Request, status int, code string) []byte {
	t.Helper()
	st, c, b := do(t, req)
	if st != status || c != code {
		t.Errorf("%s: got %d %q, want %d %q: %s", what, st, c, status, code, b)
	}
	return b
}

func mustNotExist(t *testing.T, e *env, key string) {
	t.Helper()
	if _, err := e.backend.HeadObject(context.Background(), rootID, "bad", key); err == nil {
		t.Errorf("object %q exists after a failed request", key)
	}
}

func TestBadInput(t *testing.T) {
	e := startGateway(t)
	now := time.Now()
	expect(t, "create", signed(t, e, "PUT", "/bad", nil, nil, now), 200, "")
	body := []byte("hello world")

	// Wrong signature: tamper with the path after signing.
	req := signed(t, e, "PUT", "/bad/k1", body, nil, now)
	req.URL.Path = "/bad/k2"
	expect(t, "wrong signature", req, 403, "SignatureDoesNotMatch")
	mustNotExist(t, e, "k2")

	// Payload hash mismatch.
	req = signed(t, e, "PUT", "/bad/k3", body, map[string]string{"X-Amz-Content-Sha256": sha([]byte("other"))}, now)
	expect(t, "sha mismatch", req, 400, "XAmzContentSHA256Mismatch")
	mustNotExist(t, e, "k3")

	// Clock skew.
	expect(t, "skew", signed(t, e, "GET", "/", nil, nil, now.Add(-20*time.Minute)), 403, "RequestTimeTooSkewed")

	// Anonymous and SigV2.
	req, _ = http.NewRequest("GET", e.url+"/bad", nil)
	expect(t, "anonymous", req, 403, "AccessDenied")
	req, _ = http.NewRequest("GET", e.url+"/bad", nil)
	req.Header.Set("Authorization", "AWS "+testAK+":c2lnbmF0dXJl")
	expect(t, "sigv2 without a date", req, 403, "AccessDenied")

	// Expired presigned URL.
	preq, _ := http.NewRequest("GET", e.url+"/bad/k1?X-Amz-Expires=60", nil)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK},
		preq, "UNSIGNED-PAYLOAD", "s3", "us-east-1", now.Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("GET", u, nil)
	b := expect(t, "expired presign", req, 403, "AccessDenied")
	if !bytes.Contains(b, []byte("Request has expired")) {
		t.Errorf("expired presign message: %s", b)
	}

	// Part number out of range.
	c := sdkClient(e, testAK, testSK)
	mp, err := c.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{Bucket: aws.String("bad"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"0", "10001", "x"} {
		req = signed(t, e, "PUT", "/bad/mp?partNumber="+n+"&uploadId="+*mp.UploadId, body, nil, now)
		expect(t, "part "+n, req, 400, "InvalidArgument")
	}

	// Keys with dot segments, leading slash (path-style "//"), NUL.
	for _, p := range []string{"/bad/a/../b", "/bad/./x", "/bad/..", "/bad//lead", "/bad/a%00b"} {
		req = signed(t, e, "PUT", p, body, nil, now)
		expect(t, "key "+p, req, 400, "InvalidArgument")
	}
	if res, _ := e.backend.ListObjects(context.Background(), rootID, "bad", gatewayListAll); len(res.Objects) != 0 {
		t.Errorf("objects stored by bad requests: %+v", res.Objects)
	}

	// Unsupported sub-resource.
	expect(t, "?policy", signed(t, e, "GET", "/bad?policy", nil, nil, now), 501, "NotImplemented")

	// Oversized header: 400 from the read buffer bound.
	req = signed(t, e, "GET", "/", nil, map[string]string{"X-Big": strings.Repeat("a", 80<<10)}, now)
	if st, _, _ := do(t, req); st != 400 && st != 431 {
		t.Errorf("oversized header: status %d", st)
	}
}

// TestShortBody sends less than Content-Length and closes the connection:
// IncompleteBody (or a dropped connection), and nothing stored.
func TestShortBody(t *testing.T) {
	e := startGateway(t)
	now := time.Now()
	expect(t, "create", signed(t, e, "PUT", "/bad", nil, nil, now), 200, "")
	full := randBytes(3 << 20)
	for _, ph := range []string{"UNSIGNED-PAYLOAD", sha(full)} {
		req := signed(t, e, "PUT", "/bad/short", full, map[string]string{"X-Amz-Content-Sha256": ph}, now)
		conn, err := net.Dial("tcp", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		var hdr bytes.Buffer
		fmt.Fprintf(&hdr, "PUT /bad/short HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Host, len(full))
		for k, v := range req.Header {
			fmt.Fprintf(&hdr, "%s: %s\r\n", k, v[0])
		}
		hdr.WriteString("\r\n")
		conn.Write(hdr.Bytes())
		conn.Write(full[:2<<20])
		conn.(*net.TCPConn).CloseWrite()
		resp, _ := io.ReadAll(conn)
		conn.Close()
		if len(resp) > 0 && !bytes.Contains(resp, []byte("IncompleteBody")) {
			t.Errorf("short body answer: %.300s", resp)
		}
		time.Sleep(50 * time.Millisecond)
		mustNotExist(t, e, "short")
	}
}
