package gateway_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/gateway"
)

// rawRequest writes req's request line and headers (plus extra) on a new
// connection and returns it with a reader for the answer.
func rawRequest(t *testing.T, e *env, req *http.Request, extra map[string]string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var hdr bytes.Buffer
	fmt.Fprintf(&hdr, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.Host)
	for k, v := range req.Header {
		fmt.Fprintf(&hdr, "%s: %s\r\n", k, v[0])
	}
	for k, v := range extra {
		fmt.Fprintf(&hdr, "%s: %s\r\n", k, v)
	}
	hdr.WriteString("\r\n")
	if _, err := conn.Write(hdr.Bytes()); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	return conn, bufio.NewReader(conn)
}

// TestEarlyAnswers: with Expect: 100-continue a refusal decided from the
// headers (bad signature, a behaviour header, a size past the limit) is
// answered before the body, with its S3 error; an accepted request gets
// 100 Continue. Without Expect, a refused request's body is drained and
// the client reads the answer.
func TestEarlyAnswers(t *testing.T) {
	e := startGateway(t, func(c *gateway.Config) { c.MaxObjectSize = 10 << 20 })
	now := time.Now()
	expect(t, "create", signed(t, e, "PUT", "/early", nil, nil, now), 200, "")
	unsigned := map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}
	for _, c := range []struct {
		name   string
		req    *http.Request
		length int64
		status string
		code   string
	}{
		{"too large", signed(t, e, "PUT", "/early/big", nil, unsigned, now), 6 << 40, "400", "EntityTooLarge"},
		{"past the configured limit", signed(t, e, "PUT", "/early/big", nil, unsigned, now), 11 << 20, "400", "EntityTooLarge"},
		{"sse", signed(t, e, "PUT", "/early/sse", nil, map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD", "X-Amz-Server-Side-Encryption": "AES256"}, now), 1 << 20, "501", "NotImplemented"},
		{"anonymous", func() *http.Request { r, _ := http.NewRequest("PUT", e.url+"/early/anon", nil); return r }(), 1 << 20, "403", "AccessDenied"},
	} {
		c.req.Header.Set("Content-Length", fmt.Sprint(c.length))
		_, rd := rawRequest(t, e, c.req, map[string]string{"Expect": "100-continue"})
		resp, err := http.ReadResponse(rd, c.req)
		if err != nil {
			t.Fatalf("%s: no answer before the body: %v", c.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if fmt.Sprint(resp.StatusCode) != c.status || !bytes.Contains(b, []byte("<Code>"+c.code+"</Code>")) {
			t.Errorf("%s: %d %s, want %s %s", c.name, resp.StatusCode, b, c.status, c.code)
		}
	}
	mustNotExistIn(t, e, "early", "big")

	// Accepted: 100 Continue, then the body, then 200.
	body := randBytes(64 << 10)
	req := signed(t, e, "PUT", "/early/ok", body, nil, now)
	conn, rd := rawRequest(t, e, req, map[string]string{"Expect": "100-continue", "Content-Length": fmt.Sprint(len(body))})
	line, err := rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("want 100 Continue, got %q %v", line, err)
	}
	rd.ReadString('\n')
	conn.Write(body)
	resp, err := http.ReadResponse(rd, req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after 100 Continue: %v %v", resp, err)
	}

	// No Expect: a refused 3 MiB upload is still answered (drained).
	big := randBytes(3 << 20)
	for i := 0; i < 3; i++ {
		expect(t, "sse without expect", signed(t, e, "PUT", "/early/sse", big, map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}, now), 501, "NotImplemented")
	}
	mustNotExistIn(t, e, "early", "sse")
}
