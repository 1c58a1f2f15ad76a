package lfs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/lfs"
)

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Upload, verify and download through signed actions; a second upload of
// the same object has no actions; bytes shared with an earlier version are
// not stored again; bad bytes, sizes and OIDs are refused and invisible.
func TestBatchTransfers(t *testing.T) {
	e := newEnv(t)
	ann := basic("ann", "ann-secret")
	data := randBytes(300<<10, 1)
	o := spec(data)
	st, br := e.batch(ann, "upload", o)
	if st != 200 || len(br.Objects) != 1 || br.Objects[0].Actions["upload"] == nil || br.Objects[0].Actions["verify"] == nil {
		t.Fatalf("upload batch: %d %+v", st, br)
	}
	up := br.Objects[0].Actions["upload"]
	if up.ExpiresIn != 60 || !strings.HasPrefix(up.Href, e.url+"/objects/") {
		t.Errorf("upload action %+v", up)
	}
	// Bytes that do not hash to the OID: refused, nothing visible.
	bad := bytes.Clone(data)
	bad[1000] ^= 1
	if st, body := e.act(up, "PUT", bad); st != 422 || !strings.Contains(string(body), "SHA-256") {
		t.Fatalf("corrupt upload: %d %s", st, body)
	}
	if st, br := e.batch(ann, "download", o); st != 200 || br.Objects[0].Error == nil || br.Objects[0].Error.Code != 404 {
		t.Fatalf("object visible after a refused upload: %d %+v", st, br)
	}
	if st, _ := e.act(up, "PUT", data[:len(data)-1]); st != 422 {
		t.Fatalf("short upload: %d", st)
	}
	puts := e.chunks.puts.Load()
	if st, body := e.act(up, "PUT", data); st != 200 {
		t.Fatalf("upload: %d %s", st, body)
	}
	if st, body := e.act(br.Objects[0].Actions["verify"], "POST", mustJSON(t, o)); st != 200 {
		t.Fatalf("verify: %d %s", st, body)
	}
	// The refused upload left its chunks (garbage for the cluster GC): the
	// good one shares all but the chunk holding the flipped byte.
	if n := e.chunks.puts.Load() - puts; n < 1 || n > 2 {
		t.Errorf("good upload after a corrupt one stored %d chunks", n)
	}
	if st, br := e.batch(ann, "upload", o); st != 200 || br.Objects[0].Actions != nil {
		t.Fatalf("upload of a stored object has actions: %+v", br)
	}
	st, br = e.batch(basic("reader", "reader-secret"), "download", o)
	if st != 200 || br.Objects[0].Actions["download"] == nil {
		t.Fatalf("download batch: %d %+v", st, br)
	}
	if st, got := e.act(br.Objects[0].Actions["download"], "GET", nil); st != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download: %d, %d bytes, equal %v", st, len(got), bytes.Equal(got, data))
	}

	// A second version differing in 4 KiB stores only a few new chunks.
	v2 := bytes.Clone(data)
	copy(v2[150<<10:], randBytes(4<<10, 2))
	o2 := spec(v2)
	_, br = e.batch(ann, "upload", o2)
	before := e.chunks.puts.Load()
	if st, _ := e.act(br.Objects[0].Actions["upload"], "PUT", v2); st != 200 {
		t.Fatalf("upload v2: %d", st)
	}
	if n := e.chunks.puts.Load() - before; n < 1 || n > 6 {
		t.Errorf("v2 stored %d new chunks of ~%d", n, len(v2)/(4<<10))
	}

	// Per-object errors and refusals.
	_, br = e.batch(ann, "upload", lfs.ObjectSpec{OID: "XYZ", Size: 1}, lfs.ObjectSpec{OID: o.OID, Size: -1},
		lfs.ObjectSpec{OID: o.OID, Size: o.Size + 1})
	for i, r := range br.Objects {
		if r.Error == nil || r.Error.Code != 422 {
			t.Errorf("bad object %d: %+v", i, r)
		}
	}
	if st, _ := e.batch("", "upload", o2); st != 401 {
		t.Errorf("no credentials: %d", st)
	}
	if st, _ := e.batch(basic("ann", "wrong"), "upload", o2); st != 401 {
		t.Errorf("wrong secret: %d", st)
	}
	if st, _ := e.batch(basic("reader", "reader-secret"), "upload", o2); st != 403 {
		t.Errorf("read-only upload: %d", st)
	}
	if st, _ := e.do("POST", strings.Replace(e.url, "games", "nope", 1)+"/objects/batch", basic(rootID, rootSecret), mustJSON(t, lfs.BatchRequest{Operation: "upload"})); st != 404 {
		t.Errorf("unknown repo: %d", st)
	}
	if st, _ := e.do("POST", strings.Replace(e.url, "games", "nope", 1)+"/objects/batch", ann, mustJSON(t, lfs.BatchRequest{Operation: "upload"})); st != 403 {
		t.Errorf("unknown repo, key without a grant on it: %d (want 403: nothing learnt of other repos)", st)
	}
	many := make([]lfs.ObjectSpec, 10000)
	for i := range many {
		many[i] = spec([]byte{byte(i), byte(i >> 8)})
	}
	if st, _ := e.batch(ann, "download", many...); st != 413 {
		t.Errorf("10,000-object batch: %d", st)
	}
	if st, _ := e.do("POST", e.url+"/objects/batch", ann, []byte(`{"operation":"upload","hash_algo":"md5","objects":[]}`)); st != 409 {
		t.Errorf("md5: %d", st)
	}
	// A token is for one operation on one object, and expires.
	_, br = e.batch(ann, "download", o)
	dl := br.Objects[0].Actions["download"]
	if st, _ := e.do("GET", e.url+"/objects/"+o2.OID, dl.Header["Authorization"], nil); st != 401 {
		t.Errorf("token for another object: %d", st)
	}
	if st, _ := e.do("PUT", dl.Href, dl.Header["Authorization"], data); st != 401 {
		t.Errorf("download token used to upload: %d", st)
	}
	e.now.Store(61)
	if st, body := e.act(dl, "GET", nil); st != 401 || !strings.Contains(string(body), "expired") {
		t.Errorf("expired href: %d %s", st, body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Locks: one per path, owner from the key's user, verify splits ours and
// theirs, paging, someone else's lock needs force and force needs admin.
func TestLocks(t *testing.T) {
	e := newEnv(t)
	ann, bob, root := basic("ann", "ann-secret"), basic("bob", "bob-secret"), basic(rootID, rootSecret)
	create := func(auth, path string) (int, lfs.LockAnswer) {
		st, b := e.do("POST", e.url+"/locks", auth, mustJSON(t, lfs.LockCreate{Path: path}))
		var a lfs.LockAnswer
		_ = json.Unmarshal(b, &a)
		return st, a
	}
	st, a1 := create(ann, "big.bin")
	if st != 201 || a1.Lock.Owner.Name != "ann" {
		t.Fatalf("lock: %d %+v", st, a1)
	}
	if st, a := create(bob, "big.bin"); st != 409 || a.Lock == nil || a.Lock.ID != a1.Lock.ID {
		t.Fatalf("second lock: %d %+v", st, a)
	}
	if st, _ := create(basic("reader", "reader-secret"), "x.bin"); st != 403 {
		t.Errorf("read-only lock: %d", st)
	}
	if st, _ := create(ann, "../x"); st != 422 {
		t.Errorf("bad path: %d", st)
	}
	for i := 0; i < 3; i++ {
		if st, _ := create(bob, "f"+string(rune('a'+i))); st != 201 {
			t.Fatal(st)
		}
	}
	var vl lfs.VerifyList
	st, b := e.do("POST", e.url+"/locks/verify", ann, []byte(`{"limit":2}`))
	if err := json.Unmarshal(b, &vl); st != 200 || err != nil || len(vl.Ours) != 1 || len(vl.Theirs) != 1 || vl.NextCursor == "" {
		t.Fatalf("verify page 1: %d %s", st, b)
	}
	st, b = e.do("POST", e.url+"/locks/verify", ann, mustJSON(t, lfs.LockVerify{Cursor: vl.NextCursor, Limit: 2}))
	vl = lfs.VerifyList{}
	if err := json.Unmarshal(b, &vl); st != 200 || err != nil || len(vl.Ours) != 0 || len(vl.Theirs) != 2 || vl.NextCursor != "" {
		t.Fatalf("verify page 2: %d %s", st, b)
	}
	var ll lfs.LockList
	st, b = e.do("GET", e.url+"/locks?path=big.bin", basic("reader", "reader-secret"), nil)
	if err := json.Unmarshal(b, &ll); st != 200 || err != nil || len(ll.Locks) != 1 || ll.Locks[0].ID != a1.Lock.ID {
		t.Fatalf("list by path: %d %s", st, b)
	}
	if st, _ := e.do("GET", e.url+"/locks?limit=abc", ann, nil); st != 422 {
		t.Errorf("bad limit: %d", st)
	}
	unlock := e.url + "/locks/" + a1.Lock.ID + "/unlock"
	if st, _ := e.do("POST", unlock, bob, nil); st != 403 {
		t.Errorf("unlock someone else's: %d", st)
	}
	if st, _ := e.do("POST", unlock, bob, []byte(`{"force":true}`)); st != 403 {
		t.Errorf("force without admin: %d", st)
	}
	if st, b := e.do("POST", unlock, root, []byte(`{"force":true}`)); st != 200 {
		t.Errorf("admin force: %d %s", st, b)
	}
	if st, _ := e.do("POST", unlock, ann, nil); st != 404 {
		t.Errorf("unlock twice: %d", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if ls, err := e.meta.ListLFSLocks(ctx, "default", "games", "", 0); err != nil || len(ls) != 3 {
		t.Errorf("locks left: %d %v", len(ls), err)
	}
}
