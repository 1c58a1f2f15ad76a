package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/apiauth"
	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/lfs"
	"github.com/datamon-io/datamon/localcluster"
)

// The auth matrix (issue 15): on a real three-process TLS cluster, every
// API route (api.RouteTable), every S3 operation (gateway.Operations), every
// Git LFS route (lfs.Routes), the
// internal RPC, Raft and gossip ports, each with every kind of credential.
// Only a valid key with the grant changes state; every other cell is
// refused, and the state read back with the root key is unchanged.

// The credential cells.
const (
	cellNone       = "no credentials"
	cellUnknownKey = "unknown key"
	cellWrongSig   = "wrong signature"
	cellNoGrant    = "valid key without the grant"
	cellExpiredJWT = "expired JWT"
	cellWrongAud   = "wrong-audience JWT"
	cellGrant      = "valid key with the grant"
)

// refusalCells are sent to every node; cellGrant last, to one node.
var refusalCells = []string{cellNone, cellUnknownKey, cellWrongSig, cellNoGrant, cellExpiredJWT, cellWrongAud}

type amKey struct{ id, secret string }

// The test's keys, by what they may do ("zero": no grant at all; "none":
// admin on another context only; "cluster": admin on the cluster scope).
var amGrants = map[string][]string{
	"zero": nil, "none": {"other/*=admin"}, "read": {"default/*=read"},
	"write": {"default/*=write"}, "admin": {"default/*=admin"}, "cluster": {"*=admin"},
	"fxwrite": {"default/fx=write"}, // LFS: write on another repo than lfsm
}

// amFix is the shared cluster and its fixtures.
type amFix struct {
	t       *testing.T
	c       *localcluster.Cluster
	is      *jwtauthtest.Issuer
	root    amKey
	keys    map[string]amKey
	jwt     map[string]string // cell → bearer token (expired, wrong audience)
	seq     int
	fx      api.CommitRequest // a real bundle of repo "fx" (file a.txt), as a commit body
	fxID    string            // its ID
	chunks  []string          // chunk IDs the digest checks for presence
	buckets []string          // S3 buckets (default-context repos) the digest lists
	uploads [][2]string       // (key, uploadId) of fixture multipart uploads in bucket s3m
	tagged  []string          // keys in s3m whose tag sets the digest reads
	// expiredSTS are temporary credentials whose lifetime is over.
	expiredSTS s3Creds
	// lfsObj and lfsObj2 are stored LFS objects of repo lfsm.
	lfsObj, lfsObj2 lfs.ObjectSpec
}

func TestAuthMatrix(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	start := time.Now()
	is, err := jwtauthtest.NewIssuer(jwtIss)
	if err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, 3, 3, "", "--config", jwtNodeConfig(t, is),
		"--auth-failures-per-key", "1000000", "--auth-failures-per-source", "1000000")
	f := &amFix{t: t, c: c, is: is, root: amKey{c.Secrets.AccessKey, c.Secrets.SecretKey}, keys: map[string]amKey{}}
	f.setup()
	t.Logf("cluster and fixtures ready after %v", time.Since(start).Round(time.Millisecond))
	t.Run("API", f.apiMatrix)
	t.Run("S3", f.s3Matrix)
	t.Run("LFS", f.lfsMatrix) // authmatrix_lfs_test.go
	t.Run("InternalPorts", f.portsMatrix)
	t.Logf("auth matrix done in %v", time.Since(start).Round(time.Millisecond))
}

func (f *amFix) setup() {
	t := f.t
	mustCLI(t, f.c, "context", "create", "--context", "other", "--description", "a context the test keys' grants point at")
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("fixture file of the auth matrix\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, f.c, "repo", "create", "--repo", "fx", "--description", "matrix fixture")
	mustCLI(t, f.c, "bundle", "upload", "--repo", "fx", "--path", src, "--message", "v1", "--label", "main")
	st, b := f.root0("GET", "/v1/contexts/default/repos/fx/bundles/latest", nil)
	if st != 200 || json.Unmarshal(b, &f.fx.Bundle) != nil {
		t.Fatalf("latest bundle of fx: %d %s", st, b)
	}
	f.fxID, f.fx.Bundle.ID = f.fx.Bundle.ID, ""
	f.chunks = append(f.chunks, f.fx.Bundle.ManifestRoot.String())
	f.buckets = []string{"fx"}
	f.createUser("matrix")
	for name, grants := range amGrants {
		st, b := f.root0("POST", "/v1/keys", jsonBody(api.CreateKeyRequest{User: "matrix", Grants: grants}))
		var ks api.KeySecret
		if st != 201 && st != 200 || json.Unmarshal(b, &ks) != nil || ks.Secret == "" {
			t.Fatalf("create key %s: %d %s", name, st, b)
		}
		f.keys[name] = amKey{ks.ID, ks.Secret}
	}
	f.jwt = map[string]string{cellExpiredJWT: f.token(jwtAud, -time.Hour), cellWrongAud: f.token("another-audience", time.Hour)}
	// Keys replicate through Raft: wait until every node knows every key,
	// and a valid token with the same groups is accepted (so the JWT cells'
	// refusals are the tokens' own).
	good := f.token(jwtAud, time.Hour)
	for i := range f.c.Nodes {
		for name, k := range f.keys {
			f.until(fmt.Sprintf("key %s on node %d", name, i), func() bool {
				st, _ := f.apiDo(i, k, "", amReq{method: "GET", path: "/v1/contexts"})
				return st == 200
			})
		}
		if st, b := f.apiDo(i, amKey{}, good, amReq{method: "GET", path: "/v1/contexts/default/repos/fx"}); st != 200 {
			t.Fatalf("a valid JWT on node %d: %d %s", i, st, b)
		}
	}
}

// token is a JWT of the test issuer for alice in group data-team (admin
// on default/*).
func (f *amFix) token(aud string, ttl time.Duration) string {
	s, err := f.is.Sign(0, f.is.Claims(aud, "alice", ttl, "data-team"))
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// name is a fresh name with prefix p.
func (f *amFix) name(p string) string { f.seq++; return fmt.Sprintf("%s%d", p, f.seq) }

func (f *amFix) until(what string, ok func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// amReq is one API request.
type amReq struct {
	method, path string
	query        url.Values
	body         []byte
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func randHexN(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// apiDo sends r to node i signed with k (no Authorization when k.id and
// bearer are empty; bearer wins when set).
func (f *amFix) apiDo(i int, k amKey, bearer string, r amReq) (int, []byte) {
	f.t.Helper()
	u := f.c.Nodes[i].APIURL() + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequest(r.method, u, bytes.NewReader(r.body))
	if err != nil {
		f.t.Fatal(err)
	}
	switch {
	case bearer != "":
		req.Header.Set("Authorization", "Bearer "+bearer)
	case k.id != "":
		ar := apiauth.Request{Method: r.method, Path: r.path, Query: r.query, BodyDigest: apiauth.BodyDigest(r.body)}
		req.Header.Set(api.HeaderContentDigest, ar.BodyDigest)
		req.Header.Set("Authorization", apiauth.Sign(k.id, k.secret, ar, time.Now()))
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", r.method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// root0 is a root-key request to node 0.
func (f *amFix) root0(method, path string, body []byte) (int, []byte) {
	f.t.Helper()
	return f.apiDo(0, f.root, "", amReq{method: method, path: path, body: body})
}

func (f *amFix) mustRoot(method, path string, body []byte) []byte {
	f.t.Helper()
	st, b := f.root0(method, path, body)
	if st/100 != 2 {
		f.t.Fatalf("root %s %s: %d %s", method, path, st, b)
	}
	return b
}

func (f *amFix) createUser(name string) {
	f.mustRoot("POST", "/v1/users", jsonBody(api.CreateUserRequest{Name: name, Email: name + "@example.com"}))
}
