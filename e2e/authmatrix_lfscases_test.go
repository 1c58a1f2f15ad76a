package e2e

import (
	"github.com/datamon-io/datamon/lfs"
)

// lfsCases is the LFS half of the matrix, keyed "METHOD pattern" like
// lfs.Routes: a route without a case fails TestAuthMatrix.
func lfsCases() map[string][]lfsCase {
	download := func(method string) []lfsCase {
		return []lfsCase{{variant: "a stored object", perm: "read", status: 200, build: func(f *amFix, caller string) lfsReq {
			r := lfsReq{method: method, rel: "objects/" + f.lfsObj.OID}
			switch caller {
			case lfsToken:
				r.auth = lfsTokenOf(f.lfsActions("download", f.lfsObj)["download"])
			case lfsOtherToken:
				r.auth = lfsTokenOf(f.lfsActions("download", f.lfsObj2)["download"])
			}
			return r
		}}}
	}
	return map[string][]lfsCase{
		"POST objects/batch": {
			{variant: "download", perm: "read", status: 200, build: func(f *amFix, _ string) lfsReq {
				return lfsReq{method: "POST", rel: "objects/batch", body: batchBody("download", f.lfsObj)}
			}},
			{variant: "upload (hands out actions, stores nothing)", perm: "write", status: 200, build: func(f *amFix, _ string) lfsReq {
				o, _ := f.lfsFresh()
				return lfsReq{method: "POST", rel: "objects/batch", body: batchBody("upload", o)}
			}},
		},
		"POST objects/verify": {{variant: "an uploaded object", perm: "write", status: 200, build: func(f *amFix, caller string) lfsReq {
			r := lfsReq{method: "POST", rel: "objects/verify", body: jsonBody(f.lfsObj)}
			switch caller {
			case lfsToken: // the verify action of a real upload, after it
				o, b := f.lfsFresh()
				acts := f.lfsActions("upload", o)
				if st, _, body := lfsSend(f.t, "PUT", acts["upload"].Href, lfsTokenOf(acts["upload"]), b); st != 200 {
					f.t.Fatalf("upload with its token: %d %s", st, body)
				}
				r.body, r.auth = jsonBody(o), lfsTokenOf(acts["verify"])
			case lfsOtherToken:
				o, _ := f.lfsFresh()
				r.auth = lfsTokenOf(f.lfsActions("upload", o)["verify"])
			}
			return r
		}}},
		"PUT objects/{oid}": {{variant: "a new object", perm: "write", status: 200, mutates: true, build: func(f *amFix, caller string) lfsReq {
			o, b := f.lfsFresh()
			r := lfsReq{method: "PUT", rel: "objects/" + o.OID, body: b}
			switch caller {
			case lfsToken:
				r.auth = lfsTokenOf(f.lfsActions("upload", o)["upload"])
			case lfsOtherToken:
				other, _ := f.lfsFresh()
				r.auth = lfsTokenOf(f.lfsActions("upload", other)["upload"])
			}
			return r
		}}},
		"GET objects/{oid}":  download("GET"),
		"HEAD objects/{oid}": download("HEAD"),
		"POST locks": {{variant: "a free path", perm: "write", status: 201, mutates: true, build: func(f *amFix, _ string) lfsReq {
			return lfsReq{method: "POST", rel: "locks", body: jsonBody(lfs.LockCreate{Path: f.name("assets/new") + ".bin"})}
		}}},
		"GET locks": {{variant: "list", perm: "read", status: 200, build: func(*amFix, string) lfsReq {
			return lfsReq{method: "GET", rel: "locks"}
		}}},
		"POST locks/verify": {{variant: "before a push", perm: "write", status: 200, build: func(*amFix, string) lfsReq {
			return lfsReq{method: "POST", rel: "locks/verify", body: []byte(`{}`)}
		}}},
		"POST locks/{id}/unlock": {
			// The lock is the caller's own when the caller may lock (the
			// write and admin keys share user "matrix"; the bearer is
			// alice), else the write key's.
			{variant: "one's own lock", perm: "write", status: 200, mutates: true, build: func(f *amFix, caller string) lfsReq {
				owner := f.basic("write")
				if caller == lfsAdmin || caller == lfsJWTBearer {
					owner = f.lfsAuth(caller)
				}
				return lfsReq{method: "POST", rel: "locks/" + f.lfsLock(owner) + "/unlock", body: []byte(`{}`)}
			}},
			{variant: "someone else's, --force", perm: "admin", status: 200, mutates: true, build: func(f *amFix, _ string) lfsReq {
				return lfsReq{method: "POST", rel: "locks/" + f.lfsLock(f.lfsRoot()) + "/unlock", body: jsonBody(lfs.Unlock{Force: true})}
			}},
		},
		"GET datamon/objects": {{variant: "list", perm: "read", status: 200, build: func(*amFix, string) lfsReq {
			return lfsReq{method: "GET", rel: "datamon/objects"}
		}}},
		"POST datamon/objects/delete": {{variant: "a stored object", perm: "admin", status: 200, mutates: true, build: func(f *amFix, _ string) lfsReq {
			_, b := f.lfsFresh()
			o := f.lfsPut(string(b))
			return lfsReq{method: "POST", rel: "datamon/objects/delete", body: jsonBody(lfs.DeleteRequest{OIDs: []string{o.OID}})}
		}}},
	}
}
