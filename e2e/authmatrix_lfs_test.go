package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/lfs"
)

// TestAuthMatrix/LFS: every route of lfs.Routes (the table the LFS server
// dispatches with) has at least one case, every case names a route; each
// case runs every LFS caller kind against repo lfsm of the default
// context. Bad credentials get 401 (with LFS-Authenticate for git's
// credential helper), a key whose grants do not cover the route 403 (the
// grant is checked before the repo exists: no leak of repo names), a
// granted caller on a repo that does not exist 404, a granted caller the
// case's status. Only granted callers change the LFS state (objects and
// locks, read back with the root key).

// The LFS caller kinds.
const (
	lfsNone       = cellNone
	lfsUnknown    = cellUnknownKey
	lfsWrongPass  = "wrong secret"
	lfsExpiredJWT = cellExpiredJWT
	lfsWrongAud   = cellWrongAud
	lfsOtherRepo  = "write key on another repo"
	lfsRead       = "read key"
	lfsWrite      = "write key"
	lfsAdmin      = "admin key"
	lfsJWTBearer  = "JWT bearer (admin through its groups)"
	lfsNoRepo     = "admin key, repo does not exist"
	lfsToken      = "transfer token of the object"     // transfer routes only
	lfsOtherToken = "transfer token of another object" // transfer routes only
)

var lfsCallers = []string{lfsNone, lfsUnknown, lfsWrongPass, lfsExpiredJWT, lfsWrongAud, lfsOtherRepo,
	lfsRead, lfsWrite, lfsAdmin, lfsJWTBearer, lfsNoRepo}

// lfsRepo is the matrix's LFS repo; lfsMissing does not exist.
const (
	lfsRepo    = "lfsm"
	lfsMissing = "lfs-missing"
)

// lfsReq is one LFS request, path relative to /lfs/default/<repo>/.
type lfsReq struct {
	method, rel string
	body        []byte
	auth        string // overrides the caller's Authorization (transfer tokens)
}

// lfsCase is one variant of a route: perm is what it needs ("read",
// "write", "admin"); build prepares fresh fixtures for caller (with the
// root key, or the caller's own credentials when the request acts on
// something the caller must own) and returns the request.
type lfsCase struct {
	variant string
	perm    string
	status  int
	mutates bool
	build   func(f *amFix, caller string) lfsReq
}

// lfsWant is the status caller must get for c.
func lfsWant(c lfsCase, caller string) int {
	rank := map[string]int{"read": 1, "write": 2, "admin": 3}
	switch caller {
	case lfsNone, lfsUnknown, lfsWrongPass, lfsExpiredJWT, lfsWrongAud, lfsOtherToken:
		return 401
	case lfsOtherRepo:
		return 403
	case lfsRead:
		if rank[c.perm] > 1 {
			return 403
		}
	case lfsWrite:
		if rank[c.perm] > 2 {
			return 403
		}
	case lfsNoRepo:
		return 404
	}
	return c.status
}

// lfsAuth is caller's Authorization header.
func (f *amFix) lfsAuth(caller string) string {
	switch caller {
	case lfsUnknown:
		return basicAuth("DMUNKNOWN"+randHexN(6), randHexN(20))
	case lfsWrongPass:
		return basicAuth(f.keys["write"].id, randHexN(20))
	case lfsExpiredJWT, lfsWrongAud:
		return "Bearer " + f.jwt[caller]
	case lfsOtherRepo:
		return f.basic("fxwrite")
	case lfsRead:
		return f.basic("read")
	case lfsWrite, lfsToken, lfsOtherToken:
		return f.basic("write")
	case lfsAdmin, lfsNoRepo:
		return f.basic("admin")
	case lfsJWTBearer:
		return "Bearer " + f.token(jwtAud, time.Hour)
	}
	return ""
}

func (f *amFix) basic(key string) string { return basicAuth(f.keys[key].id, f.keys[key].secret) }

func (f *amFix) lfsRoot() string { return basicAuth(f.root.id, f.root.secret) }

func (f *amFix) lfsURL(node int, repo string) string {
	return f.c.Nodes[node].APIURL() + lfs.Prefix + "default/" + repo
}

func (f *amFix) lfsMatrix(t *testing.T) {
	f.lfsSetup()
	cases := lfsCases()
	keys := map[string]bool{}
	for _, r := range lfs.Routes() {
		k := r.Method + " " + r.Pattern
		keys[k] = true
		if len(cases[k]) == 0 {
			t.Errorf("LFS route %s has no auth matrix case: add one to lfsCases", k)
		}
		for _, c := range cases[k] {
			if !strings.Contains("|"+r.Perm+"|", "|"+c.perm+"|") {
				t.Errorf("LFS route %s (%s): the server declares permission %q, the case needs %q", k, c.variant, r.Perm, c.perm)
			}
		}
		if r.Transfer != (k == "PUT objects/{oid}" || k == "GET objects/{oid}" || k == "HEAD objects/{oid}" || k == "POST objects/verify") {
			t.Errorf("LFS route %s: Transfer is %v; the matrix's token cells cover the upload, download and verify routes", k, r.Transfer)
		}
	}
	for k := range cases {
		if !keys[k] {
			t.Errorf("LFS auth matrix case %s names no route of lfs.Routes", k)
		}
	}
	before := f.state()
	for i, r := range lfs.Routes() {
		k := r.Method + " " + r.Pattern
		for _, c := range cases[k] {
			callers := lfsCallers
			if r.Transfer {
				callers = append(append([]string{}, lfsCallers...), lfsToken, lfsOtherToken)
			}
			for j, caller := range callers {
				f.lfsCell(t, (i+j)%len(f.c.Nodes), k+" ("+c.variant+")", c, caller)
			}
		}
	}
	// Besides LFS objects and locks, nothing else of the cluster moved.
	after := f.state()
	if d := before.diff(after); d != "" {
		t.Errorf("the LFS matrix changed state outside LFS:\n%s", d)
	}
}

// lfsCell sends c's request as caller and checks the answer and the state.
func (f *amFix) lfsCell(t *testing.T, node int, name string, c lfsCase, caller string) {
	req := c.build(f, caller)
	auth := f.lfsAuth(caller)
	if req.auth != "" {
		auth = req.auth
	}
	repo := lfsRepo
	if caller == lfsNoRepo {
		repo = lfsMissing
	}
	before := f.lfsState()
	st, hdr, b := lfsSend(t, req.method, f.lfsURL(node, repo)+"/"+req.rel, auth, req.body)
	want := lfsWant(c, caller)
	switch {
	case st != want:
		t.Errorf("%s, %s, node %d: status %d, want %d: %.300s", name, caller, node, st, want, b)
	case st >= 400 && req.method != "HEAD" && !jsonMessage(b):
		t.Errorf("%s, %s: status %d without an LFS JSON error: %.300s", name, caller, st, b)
	case st == 401 && (hdr == "") != (caller == lfsOtherToken):
		// git-lfs asks git's credential helper on a 401 with it; a bad
		// transfer token is not a credential problem.
		t.Errorf("%s, %s: 401 with LFS-Authenticate %q", name, caller, hdr)
	}
	d := before.diff(f.lfsState())
	switch granted := want == c.status; {
	case !granted && d != "":
		t.Errorf("%s, %s: refused (%d) but the LFS state changed:\n%s", name, caller, st, d)
	case granted && c.mutates && d == "":
		t.Errorf("%s, %s: answered %d but the LFS state did not change", name, caller, st)
	case granted && !c.mutates && d != "":
		t.Errorf("%s, %s: a read changed the LFS state:\n%s", name, caller, d)
	}
}

func jsonMessage(b []byte) bool {
	var e lfs.ErrorBody
	return json.Unmarshal(b, &e) == nil && e.Message != ""
}

// lfsState reads the matrix repo's LFS objects and locks with the root key.
func (f *amFix) lfsState() amState {
	f.t.Helper()
	s := amState{}
	for _, rel := range []string{"datamon/objects?limit=1000", "locks?limit=1000"} {
		st, _, b := lfsSend(f.t, "GET", f.lfsURL(0, lfsRepo)+"/"+rel, f.lfsRoot(), nil)
		if st != 200 {
			f.t.Fatalf("root GET %s: %d %s", rel, st, b)
		}
		s["lfs:"+rel] = string(b)
	}
	return s
}

// lfsSetup makes repo lfsm with two objects (the cases act on lfsObj;
// lfsObj2's tokens are "another object's").
func (f *amFix) lfsSetup() {
	f.mustRoot("POST", "/v1/contexts/default/repos", jsonBody(map[string]string{"name": lfsRepo, "description": "LFS matrix"}))
	f.lfsObj = f.lfsPut("the auth matrix's LFS fixture object")
	f.lfsObj2 = f.lfsPut("the auth matrix's other LFS fixture object")
}

// lfsPut uploads content with the root key and returns its spec.
func (f *amFix) lfsPut(content string) lfs.ObjectSpec {
	f.t.Helper()
	o := lfs.ObjectSpec{OID: sha256Hex([]byte(content)), Size: int64(len(content))}
	if st, _, b := lfsSend(f.t, "PUT", f.lfsURL(0, lfsRepo)+"/objects/"+o.OID, f.lfsRoot(), []byte(content)); st != 200 {
		f.t.Fatalf("root LFS upload: %d %s", st, b)
	}
	return o
}

// lfsFresh is a new object's content (not stored).
func (f *amFix) lfsFresh() (lfs.ObjectSpec, []byte) {
	b := []byte(f.name("lfs object ") + " " + randHexN(8))
	return lfs.ObjectSpec{OID: sha256Hex(b), Size: int64(len(b))}, b
}

// lfsActions asks for o's actions of batch op with the write key.
func (f *amFix) lfsActions(op string, o lfs.ObjectSpec) map[string]*lfs.Action {
	f.t.Helper()
	st, br := lfsBatch(f.t, f.lfsURL(0, lfsRepo), f.basic("write"), op, o)
	if st != 200 || len(br.Objects) != 1 || len(br.Objects[0].Actions) == 0 {
		f.t.Fatalf("batch %s of %s: %d %+v", op, o.OID, st, br)
	}
	return br.Objects[0].Actions
}

// lfsTokenOf is the Authorization header of action a.
func lfsTokenOf(a *lfs.Action) string { return a.Header["Authorization"] }

// lfsLock creates a lock on a fresh path with auth and returns its ID.
func (f *amFix) lfsLock(auth string) string {
	f.t.Helper()
	st, _, b := lfsSend(f.t, "POST", f.lfsURL(0, lfsRepo)+"/locks", auth, jsonBody(lfs.LockCreate{Path: f.name("assets/locked") + ".bin"}))
	var a lfs.LockAnswer
	if st != 201 || json.Unmarshal(b, &a) != nil || a.Lock == nil {
		f.t.Fatalf("create lock: %d %s", st, b)
	}
	return a.Lock.ID
}

func batchBody(op string, o lfs.ObjectSpec) []byte {
	return jsonBody(lfs.BatchRequest{Operation: op, Transfers: []string{"basic"}, Objects: []lfs.ObjectSpec{o}, HashAlgo: "sha256"})
}

// lfsSend is one LFS request; it returns the status, the LFS-Authenticate
// header and the body.
func lfsSend(t *testing.T, method, url, auth string, body []byte) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", lfs.MediaType)
	req.Header.Set("Content-Type", lfs.MediaType)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("LFS-Authenticate"), b
}
