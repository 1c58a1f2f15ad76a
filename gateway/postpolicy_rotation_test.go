package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/datamon-io/datamon/gateway"
)

// A browser-form POST signed with a rotated key's previous secret is
// accepted in the grace period and refused after it, like every other
// signature; the new secret works throughout.
func TestPostPolicyRotationGrace(t *testing.T) {
	clk := &clock{t: time.Now().UTC()}
	e := startGateway(t, func(c *gateway.Config) { c.Clock = clk.now })
	const ak, newSK, oldSK = "AKIDROTATEDPOST00001", "rotatedNewSecretPost000000000000000000000", "rotatedOldSecretPost000000000000000000000"
	e.keys.Add(ak, newSK, gateway.Identity{Root: true, Name: "rot", OldSecret: oldSK, OldSecretUntil: clk.now().Add(time.Hour)})
	expect(t, "create", signed(t, e, "PUT", "/forms", nil, nil, clk.now()), 200, "")
	post := func(sk, key string) (int, string) {
		t.Helper()
		c, err := minio.New(e.addr, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Region: "us-east-1",
			BucketLookup: minio.BucketLookupPath})
		if err != nil {
			t.Fatal(err)
		}
		p := minio.NewPostPolicy()
		p.SetBucket("forms")
		p.SetKey(key)
		p.SetExpires(time.Now().Add(3 * time.Hour))
		u, form, err := c.PresignedPostPolicy(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		return postForm(t, u.String(), form, "file", []byte("form body"))
	}
	for _, c := range []struct {
		name, sk, key string
		want          int
	}{{"new secret", newSK, "a", 204}, {"old secret in grace", oldSK, "b", 204}, {"wrong secret", "someOtherSecretPost0000000000000000000000", "c", 403}} {
		if st, body := post(c.sk, c.key); st != c.want {
			t.Errorf("%s: %d %s", c.name, st, body)
		}
	}
	clk.add(time.Hour)
	if st, body := post(oldSK, "d"); st != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Errorf("old secret after the grace period: %d %s", st, body)
	}
	if st, body := post(newSK, "e"); st != 204 {
		t.Errorf("new secret after the grace period: %d %s", st, body)
	}
	for _, k := range []string{"c", "d"} {
		mustNotExistIn(t, e, "forms", k)
	}
}
