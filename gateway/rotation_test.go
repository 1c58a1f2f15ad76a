package gateway_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/datamon-io/datamon/gateway"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func signedAs(t *testing.T, e *env, ak, sk, method, path string, body []byte, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ph := sha(body)
	req.Header.Set("X-Amz-Content-Sha256", ph)
	err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, ph, "s3", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// A rotated key's previous secret signs requests until OldSecretUntil and
// is refused from then on; the new secret works throughout; another
// string is refused always.
func TestRotatedKeyGracePeriod(t *testing.T) {
	clk := &clock{t: time.Now().UTC()}
	e := startGateway(t, func(c *gateway.Config) { c.Clock = clk.now })
	const ak, newSK, oldSK = "AKIDROTATED000000001", "rotatedNewSecret0000000000000000000000000", "rotatedOldSecret0000000000000000000000000"
	e.keys.Add(ak, newSK, gateway.Identity{Root: true, Name: "rot", OldSecret: oldSK, OldSecretUntil: clk.now().Add(time.Hour)})
	expect(t, "create", signed(t, e, "PUT", "/rot", nil, nil, clk.now()), 200, "")
	put := func(sk, key string) *http.Request {
		return signedAs(t, e, ak, sk, "PUT", "/rot/"+key, []byte("x"), clk.now())
	}
	expect(t, "new secret", put(newSK, "a"), 200, "")
	expect(t, "old secret in grace", put(oldSK, "b"), 200, "")
	expect(t, "wrong secret", put("someOtherSecret000000000000000000000000", "c"), 403, "SignatureDoesNotMatch")
	clk.add(59 * time.Minute)
	expect(t, "old secret just before the end", put(oldSK, "d"), 200, "")
	clk.add(time.Minute)
	expect(t, "old secret at the end", put(oldSK, "e"), 403, "SignatureDoesNotMatch")
	expect(t, "new secret after grace", put(newSK, "f"), 200, "")
	for _, k := range []string{"c", "e"} {
		mustNotExistIn(t, e, "rot", k)
	}
}
