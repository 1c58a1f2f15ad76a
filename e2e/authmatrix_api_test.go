package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/api"
)

// What a route requires. The cell "valid key without the grant" uses the
// key one step below (amGrants), "with the grant" the key at that level.
type amNeed int

const (
	needPublic   amNeed = iota // anyone: every cell answers 200
	needAuthn                  // any valid key (no grant needed): only bad credentials are refused
	needRead                   // read on the repo
	needWrite                  // write on the repo
	needAdmin                  // admin on the repo (or context)
	needAnyRead                // read on some repo (chunks, cluster status)
	needAnyWrite               // write on some repo (chunk uploads)
	needCluster                // cluster admin
	needSelf                   // the key itself (or a cluster admin)
)

// keys without and with the grant, per need.
var amNeedKeys = map[amNeed][2]string{
	needAuthn: {"zero", "zero"}, needRead: {"none", "read"}, needWrite: {"read", "write"},
	needAdmin: {"write", "admin"}, needAnyRead: {"zero", "read"}, needAnyWrite: {"read", "write"},
	needCluster: {"admin", "cluster"}, needSelf: {"admin", ""},
}

// amCase is one route's test: build prepares the fixtures it needs (with
// the root key) and returns the request every cell sends; status is the
// answer with the grant; mutates says whether that answer changes the
// state (why says why a write does not, or why a route is public).
type amCase struct {
	need    amNeed
	status  int
	mutates bool
	why     string
	build   func(f *amFix) (amReq, *amKey) // the key for needSelf
	// hidden must not appear in the "without the grant" answer (a list
	// filtered by permission), and must appear with it.
	hidden string
}

func get(p string) func(*amFix) (amReq, *amKey) {
	return func(*amFix) (amReq, *amKey) { return amReq{method: "GET", path: p}, nil }
}

// TestAuthMatrix/API: every route of api.RouteTable has a case, every case
// a route; each case runs every cell.
func (f *amFix) apiMatrix(t *testing.T) {
	cases := apiCases()
	maps.Copy(cases, runCases()) // authmatrix_runs_test.go
	routes := map[string]bool{}
	for _, r := range api.RouteTable() {
		k := r.Method + " " + r.Pattern
		routes[k] = true
		if _, ok := cases[k]; !ok {
			t.Errorf("route %s has no auth matrix case: add one to apiCases", k)
		}
	}
	for k := range cases {
		if !routes[k] {
			t.Errorf("auth matrix case %s names no route of the router", k)
		}
	}
	for i, r := range api.RouteTable() {
		k := r.Method + " " + r.Pattern
		if c, ok := cases[k]; ok {
			f.apiCase(t, i%len(f.c.Nodes), k, c)
		}
	}
}

func (f *amFix) apiCase(t *testing.T, node int, name string, c amCase) {
	req, self := c.build(f)
	before := f.state()
	for _, cell := range refusalCells {
		for i := range f.c.Nodes {
			st, b := f.apiCell(i, cell, c, self, req)
			if err := apiRefused(c, cell, st, b); err != nil {
				t.Errorf("%s, %s, node %d: %v", name, cell, i, err)
			}
		}
	}
	if d := before.diff(f.state()); d != "" {
		t.Errorf("%s: refused requests changed the state:\n%s", name, d)
	}
	st, b := f.apiCell(node, cellGrant, c, self, req)
	if st != c.status {
		t.Errorf("%s, %s: status %d, want %d: %.300s", name, cellGrant, st, c.status, b)
	}
	if c.hidden != "" && !strings.Contains(string(b), c.hidden) {
		t.Errorf("%s, %s: %q missing from %.300s", name, cellGrant, c.hidden, b)
	}
	after := f.state()
	switch d := before.diff(after); {
	case c.mutates && d == "":
		t.Errorf("%s, %s: answered %d but the state did not change", name, cellGrant, st)
	case !c.mutates && d != "":
		t.Errorf("%s, %s: a read changed the state:\n%s", name, cellGrant, d)
	}
}

// apiCell sends req as cell.
func (f *amFix) apiCell(i int, cell string, c amCase, self *amKey, req amReq) (int, []byte) {
	f.t.Helper()
	var k amKey
	switch cell {
	case cellNone:
	case cellUnknownKey:
		k = amKey{"DMUNKNOWN" + randHexN(6), randHexN(20)}
	case cellWrongSig:
		k = f.keys[amNeedKeys[c.need][1]]
		if self != nil || c.need == needPublic {
			k = f.keys["admin"]
		}
		k.secret = randHexN(20)
	case cellExpiredJWT, cellWrongAud:
		return f.apiDo(i, k, f.jwt[cell], req)
	case cellNoGrant:
		k = f.keys[amNeedKeys[c.need][0]]
		if c.need == needPublic {
			k = f.keys["zero"]
		}
	case cellGrant:
		k = f.keys[amNeedKeys[c.need][1]]
		if self != nil {
			k = *self
		} else if c.need == needPublic {
			k = f.keys["zero"]
		}
	}
	return f.apiDo(i, k, "", req)
}

// apiRefused checks a refusal cell's answer: 401 for bad credentials, 403
// without the grant, each with a JSON error body; routes that need no
// grant answer the keyless-grant cell as granted (a filtered list without
// the hidden name), public ones answer everything.
func apiRefused(c amCase, cell string, st int, b []byte) error {
	if c.need == needPublic {
		if st != 200 {
			return fmt.Errorf("public route answered %d", st)
		}
		return nil
	}
	want := 401
	if cell == cellNoGrant {
		want = 403
		if c.need == needAuthn || c.hidden != "" {
			if st != c.status || (c.hidden != "" && strings.Contains(string(b), c.hidden)) {
				return fmt.Errorf("status %d (want %d) %.300s; %q must not be shown", st, c.status, b, c.hidden)
			}
			return nil
		}
	}
	var e api.ErrorBody
	if st != want || json.Unmarshal(b, &e) != nil || e.Error.Code == "" {
		return fmt.Errorf("status %d, want %d with a JSON error: %.300s", st, want, b)
	}
	return nil
}

func jsonReq(method, path string, v any) amReq {
	return amReq{method: method, path: path, body: jsonBody(v)}
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}
