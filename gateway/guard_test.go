package gateway_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/authlimit"
	"github.com/datamon-io/datamon/gateway"
)

type guardEnv struct {
	*env
	log   *audit.Log
	dir   string
	limit *authlimit.Limiter
}

func startGuarded(t *testing.T, lc authlimit.Config) *guardEnv {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "audit")
	l, err := audit.Open(audit.Config{Dir: dir, Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	lim, err := authlimit.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	e := startGateway(t, func(c *gateway.Config) {
		c.Audit, c.AuthLimit = l, lim
		c.BucketRepo = func(b string) (string, string, bool) { return "default", b, true }
	})
	if err := e.backend.CreateBucket(context.Background(), rootID, "bad"); err != nil {
		t.Fatal(err)
	}
	return &guardEnv{env: e, log: l, dir: dir, limit: lim}
}

// signAs signs a PUT of body to path with ak/sk.
func signAs(t *testing.T, e *env, path string, body []byte, ak, sk string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("PUT", e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ph := sha(body)
	req.Header.Set("X-Amz-Content-Sha256", ph)
	if err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, ph, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// from sends req from local address ip (127.0.0.0/8).
func from(t *testing.T, ip string, req *http.Request) (int, string, http.Header) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	code := ""
	if i := strings.Index(b.String(), "<Code>"); i >= 0 {
		code = b.String()[i+6 : i+strings.Index(b.String()[i:], "</Code>")]
	}
	if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
		t.Errorf("%s %s: error %d without an S3 XML body: %q", req.Method, req.URL.Path, resp.StatusCode, b.String())
	}
	return resp.StatusCode, code, resp.Header
}

func pollAudit(t *testing.T, l *audit.Log, q audit.Query, want int) []audit.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := l.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) >= want || time.Now().After(deadline) {
			if len(res.Records) != want {
				t.Fatalf("audit %+v: %d records, want %d: %+v", q, len(res.Records), want, res.Records)
			}
			return res.Records
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Wrong signature, unknown key, malformed Authorization, no credentials:
// each a clear S3 XML error, audited as refused, nothing written, no secret
// in the audit files. A good PUT is on the audit disk before its answer.
func TestGatewayRefusalsAudited(t *testing.T) {
	g := startGuarded(t, authlimit.Config{})
	body := []byte("payload")
	wrong := signAs(t, g.env, "/bad/k1", body, testAK, "wrong-secret-guess")
	sig := wrong.Header.Get("Authorization")
	unknown := signAs(t, g.env, "/bad/k2", body, "AKIDNOBODY0000000000", "nobody-secret")
	malformed := signAs(t, g.env, "/bad/k3", body, testAK, testSK)
	malformed.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=garbage")
	anon := signAs(t, g.env, "/bad/k4", body, testAK, testSK)
	anon.Header.Del("Authorization")
	cases := []struct {
		name, key string
		req       *http.Request
		status    int
		code      string
		claimed   string
	}{
		{"wrong signature", "k1", wrong, 403, "SignatureDoesNotMatch", testAK},
		{"unknown key", "k2", unknown, 403, "InvalidAccessKeyId", "AKIDNOBODY0000000000"},
		{"malformed header", "k3", malformed, 400, "AuthorizationHeaderMalformed", ""},
		{"no credentials", "k4", anon, 403, "AccessDenied", ""},
	}
	for _, c := range cases {
		if st, code, _ := from(t, "127.0.0.1", c.req); st != c.status || code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, st, code, c.status, c.code)
		}
		mustNotExist(t, g.env, c.key)
	}
	recs := pollAudit(t, g.log, audit.Query{Refused: true}, len(cases))
	for i, c := range cases {
		r := recs[i]
		if r.Status != c.status || r.Code != c.code || r.KeyID != c.claimed || r.Authenticated || r.Action != "s3:PutObject" ||
			r.Target.Bucket != "bad" || r.Target.Key != c.key || r.Target.Repo != "bad" || r.Source != "127.0.0.1" || r.Surface != audit.SurfaceS3 {
			t.Errorf("%s: audited as %+v", c.name, r)
		}
	}
	if st, _, _ := from(t, "127.0.0.1", signAs(t, g.env, "/bad/good", body, testAK, testSK)); st != 200 {
		t.Fatalf("good PUT: %d", st)
	}
	res, err := g.log.Query(context.Background(), audit.Query{Refused: false, Key: testAK, Repo: "default/bad"})
	if err != nil {
		t.Fatal(err)
	}
	var good *audit.Record
	for i := range res.Records {
		if res.Records[i].Authenticated {
			good = &res.Records[i]
		}
	}
	if good == nil || good.User != "tester" || good.Target.Key != "good" || good.Status != 200 || good.Refused {
		t.Fatalf("good PUT not audited before its answer: %+v", res.Records)
	}
	_ = g.log.Close()
	ents, _ := os.ReadDir(g.dir)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(g.dir, e.Name()))
		for _, s := range []string{testSK, "wrong-secret-guess", "nobody-secret", sig[strings.LastIndex(sig, "=")+1:]} {
			if strings.Contains(string(b), s) {
				t.Errorf("audit file holds secret %q", s)
			}
		}
	}
}

// Repeated bad signatures from one address throttle the key there (503
// SlowDown with Retry-After, not applied even when correctly signed); the
// real key keeps working from another address.
func TestGatewayThrottle(t *testing.T) {
	g := startGuarded(t, authlimit.Config{PerKeySource: 3, BaseDelay: time.Minute})
	body := []byte("x")
	for i := range 3 {
		if st, code, _ := from(t, "127.0.0.1", signAs(t, g.env, "/bad/t", body, testAK, "guess")); st != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("guess %d: %d %s", i, st, code)
		}
	}
	st, code, h := from(t, "127.0.0.1", signAs(t, g.env, "/bad/t", body, testAK, testSK))
	if st != 503 || code != "SlowDown" || h.Get("Retry-After") != "60" {
		t.Fatalf("throttled PUT: %d %s Retry-After %q", st, code, h.Get("Retry-After"))
	}
	mustNotExist(t, g.env, "t")
	if st, _, _ := from(t, "127.0.0.2", signAs(t, g.env, "/bad/t", body, testAK, testSK)); st != 200 {
		t.Fatalf("the real key from another address: %d", st)
	}
	recs := pollAudit(t, g.log, audit.Query{Refused: true}, 4)
	if last := recs[3]; last.Code != audit.CodeThrottled || last.Status != 503 || last.KeyID != testAK {
		t.Fatalf("throttled request audited as %+v", last)
	}
	if m := g.limit.Metrics(); m["datamon_auth_failures_total"] != 3 || m["datamon_auth_throttled_total"] != 1 {
		t.Fatalf("limiter metrics %v", m)
	}
}
