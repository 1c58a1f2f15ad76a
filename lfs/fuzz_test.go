package lfs

import (
	"net/url"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Parsers never panic; what they accept is within their documented limits.
func FuzzParseBatchRequest(f *testing.F) {
	for _, s := range []string{
		`{"operation":"upload","transfers":["basic"],"objects":[{"oid":"` + oid64 + `","size":12}],"hash_algo":"sha256"}`,
		`{"operation":"download","objects":[]}`,
		`{"operation":"delete","objects":[]}`,
		`{"operation":"upload","hash_algo":"md5"}`,
		`{"operation":"upload","transfers":["tus"]}`,
		`{"operation":"upload","objects":[{"oid":"x","size":-1}]} trailing`,
		`{"objects":[{"size":1e40}]}`, ``, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseBatchRequest(b, 3)
		if err != nil {
			return
		}
		if r.Operation != "upload" && r.Operation != "download" {
			t.Fatalf("accepted operation %q", r.Operation)
		}
		if len(r.Objects) > 3 {
			t.Fatalf("accepted %d objects", len(r.Objects))
		}
		if r.HashAlgo != "" && r.HashAlgo != "sha256" {
			t.Fatalf("accepted hash %q", r.HashAlgo)
		}
		for _, o := range r.Objects {
			if e := checkObject(o, 1<<20); e == nil && (!model.ValidLFSOID(o.OID) || o.Size < 0 || o.Size > 1<<20) {
				t.Fatalf("object %+v passes", o)
			}
		}
	})
}

const oid64 = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"

func FuzzParseLockRequests(f *testing.F) {
	for _, s := range []string{
		`{"path":"a/b.bin","ref":{"name":"refs/heads/main"}}`, `{"path":"../x"}`, `{"path":""}`,
		`{"cursor":"0000000000000001","limit":10}`, `{"limit":-1}`, `{"force":true}`, `{}`, ``, `{"path":"a\u0000b"}`,
	} {
		f.Add([]byte(s), "path=a.bin&id=0000000000000002&cursor=&limit=5")
	}
	f.Fuzz(func(t *testing.T, b []byte, query string) {
		if lc, err := ParseLockCreate(b); err == nil {
			if model.ValidateLFSLockPath(lc.Path) != nil {
				t.Fatalf("accepted lock path %q", lc.Path)
			}
		}
		if v, err := ParseLockVerify(b, 100); err == nil {
			if v.Limit < 0 || v.Limit > 100 || (v.Cursor != "" && !validLockID(v.Cursor)) {
				t.Fatalf("accepted verify %+v", v)
			}
		}
		_, _ = ParseUnlock(b)
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		if lq, err := ParseLockQuery(q.Get, 100); err == nil {
			if lq.Limit < 0 || lq.Limit > 100 || (lq.ID != "" && !validLockID(lq.ID)) {
				t.Fatalf("accepted query %+v", lq)
			}
		}
	})
}

// A token verifies only unchanged, with the key it was signed with, and
// before it expires.
func FuzzParseToken(f *testing.F) {
	key := make([]byte, 32)
	now := time.Unix(1_700_000_000, 0)
	good := signToken(key, transferGrant{Op: "upload", Context: "default", Repo: "r", OID: oid64, Size: 3, Key: "k", Exp: now.Unix() + 60})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add("x.y")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		g, err := parseToken(key, tok, now)
		if err == nil && tok != good {
			// Only the exact signed payload verifies (base64 padding bits aside).
			if g.Exp <= now.Unix() {
				t.Fatalf("expired token accepted: %+v", g)
			}
		}
		if _, err := parseToken(append([]byte{1}, key[1:]...), tok, now); err == nil {
			t.Fatalf("token %q verifies under another key", tok)
		}
	})
}

func TestTokenExpiry(t *testing.T) {
	key := make([]byte, 32)
	now := time.Unix(1_700_000_000, 0)
	tok := signToken(key, transferGrant{Op: "download", OID: oid64, Exp: now.Unix() + 10})
	if _, err := parseToken(key, tok, now.Add(9*time.Second)); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	if _, err := parseToken(key, tok, now.Add(10*time.Second)); err == nil {
		t.Fatal("expired token accepted")
	}
}
