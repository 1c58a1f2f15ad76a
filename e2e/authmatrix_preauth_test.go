package e2e

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
)

// The operations answered before SigV4 authentication, where the
// credential is in the body: STS (the web identity token) and the browser
// POST upload (the policy signed with a key, in the form).

// stsMatrix: AssumeRoleWithWebIdentity with no token, a token signed by
// keys the issuer never published ("unknown key"), a tampered signature,
// a role the cluster does not have ("without the grant"), an expired and
// a wrong-audience token; only a valid token for a configured role gets
// credentials. STS is stateless (the credentials are sealed in the
// session token): no cell changes the state.
func (f *amFix) stsMatrix(t *testing.T) {
	stranger, err := jwtauthtest.NewIssuer(jwtIss)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := stranger.Sign(0, stranger.Claims(jwtAud, "alice", time.Hour, "data-team"))
	if err != nil {
		t.Fatal(err)
	}
	good := f.token(jwtAud, time.Hour)
	dot := strings.LastIndexByte(good, '.')
	tampered := good[:dot+1] + map[bool]string{true: "B", false: "A"}[good[dot+1] == 'A'] + good[dot+2:]
	cells := []struct {
		cell, role, token, code string
		status                  int
	}{
		{cellNone, jwtRole, "", "MissingParameter", 400},
		{cellUnknownKey, jwtRole, foreign, "InvalidIdentityToken", 403},
		{cellWrongSig, jwtRole, tampered, "InvalidIdentityToken", 403},
		{cellNoGrant, "arn:aws:iam::datamon:role/not-configured", good, "AccessDenied", 403},
		{cellExpiredJWT, jwtRole, f.jwt[cellExpiredJWT], "ExpiredTokenException", 403},
		{cellWrongAud, jwtRole, f.jwt[cellWrongAud], "InvalidIdentityToken", 403},
		{cellGrant, jwtRole, good, "", 200},
	}
	before := f.state()
	for _, c := range cells {
		for i := range f.c.Nodes {
			st, code, b := f.stsPost(i, stsForm(c.role, c.token))
			switch {
			case st != c.status || code != c.code:
				t.Errorf("%s, node %d: %d %q, want %d %q: %.300s", c.cell, i, st, code, c.status, c.code, b)
			case c.status == 200 && stsKeyRe.Find(b) == nil:
				t.Errorf("%s, node %d: no credentials in %.300s", c.cell, i, b)
			}
		}
	}
	if d := before.diff(f.state()); d != "" {
		t.Errorf("STS changed the state:\n%s", d)
	}
}

// postObjectMatrix: browser POST uploads into s3m, the form signed by
// minio-go's PresignedPostPolicy with each cell's credentials (bearer
// cells send an unsigned form with the token in the Authorization header,
// which a POST upload does not take).
func (f *amFix) postObjectMatrix(t *testing.T) {
	key := f.name("posted")
	cells := []struct {
		cell, code string
		cr         s3Creds
		bearer     string
	}{
		{cell: cellNone, code: "AccessDenied"},
		{cell: cellUnknownKey, code: "InvalidAccessKeyId", cr: s3Creds{id: "DMUNKNOWN" + randHexN(6), secret: randHexN(20)}},
		{cell: cellWrongSig, code: "SignatureDoesNotMatch", cr: s3Creds{id: f.keys["write"].id, secret: randHexN(20)}},
		{cell: cellNoGrant, code: "AccessDenied", cr: f.keys["read"].s3()},
		{cell: cellExpiredJWT, code: "AccessDenied", bearer: f.jwt[cellExpiredJWT]},
		{cell: cellWrongAud, code: "AccessDenied", bearer: f.jwt[cellWrongAud]},
		{cell: cellExpiredSTS, code: "ExpiredToken", cr: f.expiredSTS},
	}
	before := f.state()
	for _, c := range cells {
		for i := range f.c.Nodes {
			st, b := f.postObject(t, i, c.cr, c.bearer, key)
			if st != 403 || s3code(b) != c.code {
				t.Errorf("%s, node %d: %d %q, want 403 %s: %.300s", c.cell, i, st, s3code(b), c.code, b)
			}
		}
	}
	if d := before.diff(f.state()); d != "" {
		t.Errorf("refused POST uploads changed the state:\n%s", d)
	}
	if st, b := f.postObject(t, 1, f.keys["write"].s3(), "", key); st != 204 {
		t.Fatalf("%s: %d %s", cellGrant, st, b)
	}
	if before.diff(f.state()) == "" {
		t.Errorf("%s: answered 204 but the state did not change", cellGrant)
	}
}

// postObject sends a POST upload of key to node i's bucket s3m.
func (f *amFix) postObject(t *testing.T, i int, cr s3Creds, bearer, key string) (int, []byte) {
	t.Helper()
	u := f.c.Nodes[i].S3URL() + "/s3m"
	form := map[string]string{"key": key}
	if cr.id != "" {
		host := strings.TrimPrefix(f.c.Nodes[i].S3URL(), "https://")
		mc, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4(cr.id, cr.secret, cr.session),
			Secure: true, Region: "us-east-1", Transport: httpClient().Transport})
		if err != nil {
			t.Fatal(err)
		}
		p := minio.NewPostPolicy()
		if err := p.SetBucket("s3m"); err != nil {
			t.Fatal(err)
		}
		if err := p.SetKey(key); err != nil {
			t.Fatal(err)
		}
		if err := p.SetExpires(time.Now().Add(10 * time.Minute)); err != nil {
			t.Fatal(err)
		}
		pu, fd, err := mc.PresignedPostPolicy(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		u, form = pu.String(), fd
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range form {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "posted.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte("uploaded by a browser form")); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", u, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
