package e2e

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/gateway"
)

// cellExpiredSTS: temporary credentials from STS whose lifetime (the web
// identity token's) is over.
const cellExpiredSTS = "expired STS credentials"

var s3RefusalCells = append(append([]string{}, refusalCells...), cellExpiredSTS)

// The S3 error each refusal cell must answer (403 each).
var s3RefusalCodes = map[string]string{
	cellNone: "AccessDenied", cellUnknownKey: "InvalidAccessKeyId", cellWrongSig: "SignatureDoesNotMatch",
	cellNoGrant: "AccessDenied", cellExpiredJWT: "ExpiredToken", cellWrongAud: "InvalidToken", cellExpiredSTS: "ExpiredToken",
}

// keys without and with the grant, per required permission ("": any key).
var s3PermKeys = map[string][2]string{"": {"zero", "read"}, "read": {"none", "read"}, "write": {"read", "write"}, "admin": {"write", "admin"}}

type s3Req struct {
	method, path string
	body         []byte
	hdr          map[string]string
}

// s3Case is one operation's test (see amCase); perm is what the test
// expects the operation to need, checked against gateway.Operations.
type s3Case struct {
	perm    string
	status  int
	mutates bool
	hidden  string // ListBuckets: listed with the grant only
	perKey  bool   // DeleteObjects: refused per key (200, an AccessDenied per key)
	build   func(f *amFix) s3Req
	run     func(f *amFix, t *testing.T) // the pre-authentication operations
}

// TestAuthMatrix/S3: every operation of gateway.Operations has a case and
// every case an operation; each case runs every cell.
func (f *amFix) s3Matrix(t *testing.T) {
	f.s3Setup()
	cases := s3Cases()
	ops := map[string]bool{}
	for _, o := range gateway.Operations() {
		ops[o.Name] = true
		c, ok := cases[o.Name]
		switch {
		case !ok:
			t.Errorf("S3 operation %s has no auth matrix case: add one to s3Cases", o.Name)
		case c.run == nil && c.perm != o.Perm:
			t.Errorf("S3 operation %s: the gateway declares permission %q, the matrix expects %q", o.Name, o.Perm, c.perm)
		}
	}
	for name := range cases {
		if !ops[name] {
			t.Errorf("auth matrix case %s names no operation of the gateway", name)
		}
	}
	for i, o := range gateway.Operations() {
		c, ok := cases[o.Name]
		switch {
		case !ok:
		case c.run != nil:
			t.Run(o.Name, func(t *testing.T) { c.run(f, t) })
		default:
			f.s3Case(t, i%len(f.c.Nodes), o.Name, c)
		}
	}
}

func (f *amFix) s3Case(t *testing.T, node int, name string, c s3Case) {
	req := c.build(f)
	before := f.state()
	for _, cell := range s3RefusalCells {
		for i := range f.c.Nodes {
			st, code, b := f.s3Cell(i, cell, c.perm, req)
			if err := s3Refused(c, req, cell, st, code, b); err != nil {
				t.Errorf("%s, %s, node %d: %v", name, cell, i, err)
			}
		}
	}
	if d := before.diff(f.state()); d != "" {
		t.Errorf("%s: refused requests changed the state:\n%s", name, d)
	}
	st, _, b := f.s3Cell(node, cellGrant, c.perm, req)
	if st != c.status || (c.hidden != "" && !strings.Contains(string(b), c.hidden)) {
		t.Errorf("%s, %s: status %d, want %d (showing %q): %.300s", name, cellGrant, st, c.status, c.hidden, b)
	}
	switch d := before.diff(f.state()); {
	case c.mutates && d == "":
		t.Errorf("%s, %s: answered %d but the state did not change", name, cellGrant, st)
	case !c.mutates && d != "":
		t.Errorf("%s, %s: a read changed the state:\n%s", name, cellGrant, d)
	}
}

func (f *amFix) s3Cell(i int, cell, perm string, r s3Req) (int, string, []byte) {
	f.t.Helper()
	var cr s3Creds
	switch cell {
	case cellNone:
	case cellUnknownKey:
		cr = s3Creds{id: "DMUNKNOWN" + randHexN(6), secret: randHexN(20)}
	case cellWrongSig:
		cr = f.keys[s3PermKeys[perm][1]].s3()
		cr.secret = randHexN(20)
	case cellNoGrant:
		cr = f.keys[s3PermKeys[perm][0]].s3()
	case cellGrant:
		cr = f.keys[s3PermKeys[perm][1]].s3()
	case cellExpiredSTS:
		cr = f.expiredSTS
	case cellExpiredJWT, cellWrongAud:
		return f.s3Send(i, cr, f.jwt[cell], r.method, r.path, r.body, r.hdr)
	}
	return f.s3Send(i, cr, "", r.method, r.path, r.body, r.hdr)
}

// s3Refused checks a refusal: 403 with the cell's S3 error code (HEAD
// answers have no body); ListBuckets answers the key without grants with
// a list that does not show the bucket; DeleteObjects refuses per key.
func s3Refused(c s3Case, r s3Req, cell string, st int, code string, b []byte) error {
	if cell == cellNoGrant && c.hidden != "" {
		if st != 200 || strings.Contains(string(b), c.hidden) {
			return fmt.Errorf("status %d (want 200) and %q must not be listed: %.300s", st, c.hidden, b)
		}
		return nil
	}
	if cell == cellNoGrant && c.perKey {
		if st != 200 || code != "AccessDenied" || strings.Contains(string(b), "<Deleted>") {
			return fmt.Errorf("status %d code %q, want 200 with AccessDenied per key: %.300s", st, code, b)
		}
		return nil
	}
	want := s3RefusalCodes[cell]
	if st != 403 || (r.method != "HEAD" && (code != want || !strings.Contains(string(b), "<Error>"))) {
		return fmt.Errorf("status %d code %q, want 403 %s: %.300s", st, code, want, b)
	}
	return nil
}

var uploadIDRe = regexp.MustCompile(`<UploadId>([^<]+)</UploadId>`)

// s3Setup makes bucket s3m with object obj, a multipart upload "mp" the
// part operations act on, and expired STS credentials.
func (f *amFix) s3Setup() {
	f.mustRoot("POST", "/v1/contexts/default/repos", jsonBody(map[string]string{"name": "s3m", "description": "S3 matrix"}))
	f.buckets = append(f.buckets, "s3m")
	f.s3put("/s3m/obj")
	f.tagBucket("s3m")
	f.uploads = append(f.uploads, [2]string{"mp", f.s3upload("mp")})
	f.expiredSTS = f.stsCreds(f.token(jwtAud, 2*time.Second))
	f.until("STS credentials to expire", func() bool {
		_, code, _ := f.s3Send(0, f.expiredSTS, "", "GET", "/s3m?location", nil, nil)
		return code == "ExpiredToken"
	})
}

// tagBucket tags bucket b with the root key.
func (f *amFix) tagBucket(b string) {
	f.t.Helper()
	body := []byte("<Tagging><TagSet><Tag><Key>fixture</Key><Value>yes</Value></Tag></TagSet></Tagging>")
	if st, _, out := f.s3Send(0, f.root.s3(), "", "PUT", "/"+b+"?tagging", body, md5hdr(body)); st != 204 {
		f.t.Fatalf("root PutBucketTagging %s: %d %s", b, st, out)
	}
}

// s3put stores a small object with the root key.
func (f *amFix) s3put(path string) {
	f.t.Helper()
	if st, _, b := f.s3Send(0, f.root.s3(), "", "PUT", path, []byte("matrix object "+path), nil); st != 200 {
		f.t.Fatalf("root PUT %s: %d %s", path, st, b)
	}
}

// s3upload starts a multipart upload of s3m/key with the root key.
func (f *amFix) s3upload(key string) string {
	f.t.Helper()
	st, _, b := f.s3Send(0, f.root.s3(), "", "POST", "/s3m/"+key+"?uploads", nil, nil)
	m := uploadIDRe.FindSubmatch(b)
	if st != 200 || m == nil {
		f.t.Fatalf("root CreateMultipartUpload %s: %d %s", key, st, b)
	}
	return string(m[1])
}

func md5hdr(b []byte) map[string]string {
	s := md5.Sum(b)
	return map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(s[:])}
}

// taggedObject puts a fresh object in s3m with the root key (tagged
// team=fixture when withTags) and adds it to the digest's tag sets.
func (f *amFix) taggedObject(withTags bool) string {
	f.t.Helper()
	k := f.name("tagged")
	var hdr map[string]string
	if withTags {
		hdr = map[string]string{"X-Amz-Tagging": "team=fixture"}
	}
	if st, _, b := f.s3Send(0, f.root.s3(), "", "PUT", "/s3m/"+k, []byte("tagged object "+k), hdr); st != 200 {
		f.t.Fatalf("root PUT %s: %d %s", k, st, b)
	}
	f.tagged = append(f.tagged, k)
	return k
}
