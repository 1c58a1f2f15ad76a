package lfs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/authlimit"
	"github.com/datamon-io/datamon/lfs"
)

// guardedEnv is an LFS server with a real audit log and limiter (3
// failures of a key from a source throttle it for a minute).
func guardedEnv(t *testing.T) (*env, *audit.Log, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "audit")
	l, err := audit.Open(audit.Config{Dir: dir, Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	lim, err := authlimit.New(authlimit.Config{PerKeySource: 3, PerSource: 100, BaseDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, func(c *lfs.Config) { c.Audit, c.AuthLimit = l, lim }, nil)
	return e, l, dir
}

// auditWait polls the log until q matches want records (refusals are
// submitted asynchronously).
func auditWait(t *testing.T, l *audit.Log, q audit.Query, want int) []audit.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := l.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) >= want || time.Now().After(deadline) {
			if len(res.Records) != want {
				t.Fatalf("audit %+v: %d records, want %d: %+v", q, len(res.Records), want, res.Records)
			}
			return res.Records
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Git LFS logins are audited and throttled like the API's and the
// gateway's: an upload and a lock (authenticated writes) are on disk with
// the key's user before their answer; batch calls (they only hand out
// hrefs) are not recorded; a wrong Basic secret, a forged transfer token
// and a read key trying to write are recorded as refused with the claimed
// key; after three wrong secrets the key is throttled from that address
// (429, Retry-After) even with its right secret, while another key from
// the same address still works; no secret reaches the log.
func TestLFSAuditAndThrottle(t *testing.T) {
	e, l, dir := guardedEnv(t)
	ann := basic("ann", "ann-secret")
	data := randBytes(40<<10, 7)
	o := spec(data)
	st, br := e.batch(ann, "upload", o)
	if st != 200 || br.Objects[0].Actions["upload"] == nil {
		t.Fatalf("upload batch: %d %+v", st, br)
	}
	if st, b := e.act(br.Objects[0].Actions["upload"], "PUT", data); st != 200 {
		t.Fatalf("upload: %d %s", st, b)
	}
	// Record waits for the disk before the answer: no polling needed.
	res, err := l.Query(context.Background(), audit.Query{Key: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 {
		t.Fatalf("after one upload (and two batch calls): %+v", res.Records)
	}
	up := res.Records[0]
	if up.Surface != audit.SurfaceLFS || up.Action != "lfs:upload" || up.User != "ann" || !up.Authenticated || up.Refused ||
		up.Status != 200 || up.Target.Context != "default" || up.Target.Repo != "games" || up.Target.Key != o.OID || up.Source != "127.0.0.1" {
		t.Fatalf("upload record %+v", up)
	}
	if st, _ := e.do("POST", e.url+"/locks", ann, mustJSON(t, lfs.LockCreate{Path: "big.bin"})); st != 201 {
		t.Fatalf("lock: %d", st)
	}
	if rs := auditWait(t, l, audit.Query{Key: "ann"}, 2); rs[1].Action != "lfs:lock" || rs[1].Status != 201 {
		t.Fatalf("lock record %+v", rs[1])
	}

	// Refusals: a read key writing, a forged transfer token.
	if st, _ := e.do("POST", e.url+"/locks", basic("reader", "reader-secret"), mustJSON(t, lfs.LockCreate{Path: "x.bin"})); st != 403 {
		t.Fatalf("read key lock: %d", st)
	}
	rs := auditWait(t, l, audit.Query{Key: "reader"}, 1)
	if r := rs[0]; !r.Refused || r.User != "rita" || !r.Authenticated || r.Code != "PermissionDenied" || r.Action != "lfs:lock" {
		t.Fatalf("read key refusal %+v", r)
	}
	if st, _ := e.do("PUT", e.url+"/objects/"+o.OID, "Datamon-LFS forged.token", data); st != 401 {
		t.Fatalf("forged token: %d", st)
	}

	// Brute force on bob: three wrong secrets, then the right one is throttled.
	for i := range 3 {
		if st, _ := e.batch(basic("bob", "guess-"+string(rune('a'+i))), "download", o); st != 401 {
			t.Fatalf("wrong secret %d: %d", i, st)
		}
	}
	st, _ = e.batch(basic("bob", "bob-secret"), "download", o)
	if st != 429 {
		t.Fatalf("right secret after 3 failures: %d, want 429", st)
	}
	if st, _ := e.batch(ann, "download", o); st != 200 {
		t.Fatalf("another key from the same address: %d", st)
	}
	rs = auditWait(t, l, audit.Query{Key: "bob"}, 4)
	for i, r := range rs {
		want := "Unauthenticated"
		if i == 3 {
			want = "Throttled"
		}
		if !r.Refused || r.Authenticated || r.Code != want || r.Action != "lfs:batch" || r.User != "" {
			t.Errorf("bob record %d: %+v, want refused %s", i, r, want)
		}
	}
	all := auditWait(t, l, audit.Query{Refused: true}, 6) // reader, forged token, bob ×4
	var forged bool
	for _, r := range all {
		forged = forged || (r.Code == "BadTransferToken" && r.Action == "lfs:upload" && r.Status == 401)
	}
	if !forged {
		t.Errorf("no record of the forged transfer token: %+v", all)
	}
	grepAudit(t, dir, "ann-secret", "bob-secret", "reader-secret", "guess-a", "forged.token")
}

// grepAudit fails if an audit file holds one of the strings.
func grepAudit(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("audit file %s holds %q", ent.Name(), s)
			}
		}
	}
}
