package lfs_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/lfs"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// bearerAuth is the public API's bearer path (api.Server.Authenticate)
// reduced to what the LFS server delegates: a real jwtauth.Verifier.
type bearerAuth struct{ v *jwtauth.Verifier }

func (b bearerAuth) Authenticate(ctx context.Context, rc *fasthttp.RequestCtx) (model.AccessKey, error) {
	h := string(rc.Request.Header.Peek("Authorization"))
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return model.AccessKey{}, fmt.Errorf("%w: not a bearer token", model.ErrUnauthenticated)
	}
	k, err := b.v.Authenticate(ctx, strings.TrimSpace(h[7:]))
	if err != nil {
		return model.AccessKey{}, fmt.Errorf("%w: %w", model.ErrUnauthenticated, err)
	}
	return k, nil
}

// Bearer JWTs on the LFS API: a read grant downloads and cannot upload; a
// write grant uploads through the signed href, although no key store knows
// the token's principal; the href's token names only its one object.
// Transfer hrefs point at Config.TransferHost's node, verify at the
// batch's.
func TestBearerTransfers(t *testing.T) {
	const iss, aud = "https://idp.lfs.test", "datamon-lfs"
	is, err := jwtauthtest.NewIssuer(iss)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := is.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	vc := jwtauth.DefaultConfig()
	vc.Issuers = []jwtauth.IssuerConfig{{Issuer: iss, Audiences: []string{aud}, JWKSFile: jwks, GrantsClaim: "groups",
		Groups: map[string][]string{"readers": {"default/games=read"}, "writers": {"default/games=write"}}}}
	v, err := jwtauth.New(context.Background(), vc)
	if err != nil {
		t.Fatal(err)
	}
	var host string
	e := newEnvWith(t, func(c *lfs.Config) {
		c.TransferHost = func(oid string) string { return host }
	}, bearerAuth{v})
	host = strings.SplitN(strings.TrimPrefix(e.url, "http://"), "/", 2)[0]
	tok := func(sub, group string) string {
		s, err := is.Token(aud, sub, time.Hour, group)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + s
	}
	reader, writer := tok("rita", "readers"), tok("walt", "writers")
	data := randBytes(100<<10, 11)
	o := spec(data)

	if st, _ := e.batch(reader, "upload", o); st != 403 {
		t.Fatalf("upload batch with a read grant: %d, want 403", st)
	}
	st, br := e.batch(writer, "upload", o)
	if st != 200 || br.Objects[0].Actions["upload"] == nil {
		t.Fatalf("upload batch with a write grant: %d %+v", st, br)
	}
	up, ver := br.Objects[0].Actions["upload"], br.Objects[0].Actions["verify"]
	if !strings.HasPrefix(up.Href, "http://"+host+"/") || !strings.HasPrefix(ver.Href, e.url+"/") {
		t.Errorf("hrefs %s, %s: want the transfer host and the batch node", up.Href, ver.Href)
	}
	// The upload token names this object only.
	other := spec(randBytes(10, 12))
	if st, _ := e.do("PUT", e.url+"/objects/"+other.OID, up.Header["Authorization"], randBytes(10, 12)); st != 401 {
		t.Errorf("upload token used for another object: %d, want 401", st)
	}
	if st, body := e.act(up, "PUT", data); st != 200 {
		t.Fatalf("upload with a bearer principal's token: %d %s", st, body)
	}
	if st, body := e.act(ver, "POST", mustJSON(t, o)); st != 200 {
		t.Fatalf("verify: %d %s", st, body)
	}
	st, br = e.batch(reader, "download", o)
	if st != 200 || br.Objects[0].Actions["download"] == nil {
		t.Fatalf("download batch with a read grant: %d %+v", st, br)
	}
	if st, body := e.act(br.Objects[0].Actions["download"], "GET", nil); st != 200 || string(body) != string(data) {
		t.Fatalf("download with a read principal: %d, %d bytes", st, len(body))
	}
	// A token whose issuer is not trusted is refused, not downgraded.
	bad, _ := jwtauthtest.NewIssuer("https://other.example")
	s, _ := bad.Token(aud, "mallory", time.Hour, "writers")
	if st, _ := e.batch("Bearer "+s, "upload", other); st != 401 {
		t.Errorf("token of an unknown issuer: %d, want 401", st)
	}
}
