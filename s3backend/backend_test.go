package s3backend

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
)

// expectList is S3's listing of keys (sorted) for prefix/delimiter.
func expectList(keys []string, prefix, delim string) (objs, prefixes []string) {
	seen := map[string]bool{}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if !seen[cp] {
					seen[cp] = true
					prefixes = append(prefixes, cp)
				}
				continue
			}
		}
		objs = append(objs, k)
	}
	return objs, prefixes
}

func TestPutGetListOverBaseAndDraft(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("photos")
	want := map[string][]byte{}
	for i, k := range []string{"a.txt", "dir/x", "dir/y", "dir/sub/z", "dir2/q", "e", "f/g/h", "zz"} {
		want[k] = data(uint64(i), 100+i*700)
		e.put("photos", k, want[k])
	}
	if _, err := e.b.Commit(e.ctx, model.DefaultContext, "photos", "", "first", model.Contributor{Name: "t"}); err != nil {
		t.Fatal(err)
	}
	// Draft on top of the base: overwrite, add, delete (tombstones).
	want["dir/y"] = data(99, 3000)
	e.put("photos", "dir/y", want["dir/y"])
	want["dir/aa"] = data(98, 10)
	e.put("photos", "dir/aa", want["dir/aa"])
	want["b"] = nil
	e.put("photos", "b", nil)
	for _, k := range []string{"dir/x", "zz", "never-existed"} {
		if err := e.b.DeleteObject(e.ctx, e.root, "photos", k); err != nil {
			t.Fatal(err)
		}
		delete(want, k)
	}
	var keys []string
	for k, v := range want {
		keys = append(keys, k)
		if got := e.mustGet("photos", k); !bytes.Equal(got, v) {
			t.Fatalf("%s: got %d bytes, want %d", k, len(got), len(v))
		}
		oi, err := e.b.HeadObject(e.ctx, e.root, "photos", k)
		sum := md5.Sum(v)
		if err != nil || oi.Size != int64(len(v)) || oi.ETag != hex.EncodeToString(sum[:]) {
			t.Fatalf("head %s: %+v %v", k, oi, err)
		}
	}
	sort.Strings(keys)
	for _, k := range []string{"dir/x", "zz"} {
		if _, err := e.b.HeadObject(e.ctx, e.root, "photos", k); !errors.Is(err, gateway.ErrNoSuchKey) {
			t.Fatalf("deleted %s: %v", k, err)
		}
	}
	s, err := e.b.DraftSummary(e.ctx, model.DefaultContext, "photos")
	if err != nil || s.Objects != 3 || s.Tombstones != 2 {
		t.Fatalf("summary %+v %v", s, err)
	}
	// start-after inside a common prefix: keys after it still roll up into it.
	res, err := e.b.ListObjects(e.ctx, e.root, "photos", gateway.ListQuery{Delimiter: "/", After: "dir/aa", MaxKeys: 10})
	if err != nil || !reflect.DeepEqual(res.CommonPrefixes, []string{"dir/", "dir2/", "f/"}) || len(res.Objects) != 1 || res.Objects[0].Key != "e" {
		t.Fatalf("start-after inside a prefix: %+v %v", res, err)
	}
	for _, q := range []struct{ prefix, delim string }{{"", ""}, {"", "/"}, {"dir/", "/"}, {"dir", "/"}, {"d", ""}, {"", "i"}, {"f/", "/"}, {"nope", "/"}} {
		wantObjs, wantPfx := expectList(keys, q.prefix, q.delim)
		for _, max := range []int{1, 2, 3, 1000} {
			gotObjs, gotPfx, pages := e.listAll("photos", q.prefix, q.delim, max)
			if !reflect.DeepEqual(gotObjs, wantObjs) || !reflect.DeepEqual(gotPfx, wantPfx) {
				t.Fatalf("list %+v max %d: got %v %v want %v %v", q, max, gotObjs, gotPfx, wantObjs, wantPfx)
			}
			if n := len(wantObjs) + len(wantPfx); max < n && pages < (n+max-1)/max {
				t.Fatalf("list %+v max %d: %d pages for %d items", q, max, pages, n)
			}
		}
	}
}

func TestIncompleteBodyLeavesNothing(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("inc")
	body := data(1, 5000)
	_, err := e.b.PutObject(e.ctx, e.root, "inc", "k", bytes.NewReader(body[:4000]), 5000, gateway.PutMeta{})
	if !errors.Is(err, gateway.ErrIncompleteBody) {
		t.Fatalf("short body: %v", err)
	}
	sum := md5.Sum(body)
	bad := sum
	bad[0]++
	_, err = e.b.PutObject(e.ctx, e.root, "inc", "k", bytes.NewReader(body), 5000, gateway.PutMeta{ContentMD5: bad[:]})
	if !errors.Is(err, gateway.ErrBadDigest) {
		t.Fatalf("bad digest: %v", err)
	}
	_, err = e.b.PutObject(e.ctx, e.root, "inc", "a/../b", bytes.NewReader(body), 5000, gateway.PutMeta{})
	if !errors.Is(err, gateway.ErrInvalidArgument) {
		t.Fatalf("dot-dot key: %v", err)
	}
	if _, err := e.b.HeadObject(e.ctx, e.root, "inc", "k"); !errors.Is(err, gateway.ErrNoSuchKey) {
		t.Fatalf("head after failed puts: %v", err)
	}
	if keys, _, _ := e.listAll("inc", "", "", 1000); len(keys) != 0 {
		t.Fatalf("listed %v", keys)
	}
	if s, _ := e.b.DraftSummary(e.ctx, model.DefaultContext, "inc"); s.Objects != 0 {
		t.Fatalf("summary %+v", s)
	}
}

func TestDedupAndCopyWithoutDataCopy(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("dd")
	body := data(7, 40000)
	a := e.put("dd", "a", body)
	before := e.chunks.puts.Load()
	if before == 0 {
		t.Fatal("no chunk stored")
	}
	b := e.put("dd", "b", body)
	if n := e.chunks.puts.Load() - before; n != 0 {
		t.Fatalf("same content stored %d chunks again", n)
	}
	if a.ETag != b.ETag {
		t.Fatalf("etags %s %s", a.ETag, b.ETag)
	}
	before = e.chunks.puts.Load()
	e.chunks.resetGets()
	meta := &gateway.PutMeta{ContentType: "text/plain", UserMeta: map[string]string{"k": "v"}}
	c, err := e.b.CopyObject(e.ctx, e.root, "dd", "a", "dd", "copy/c", meta)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.chunks.puts.Load() - before; n != 0 {
		t.Fatalf("copy stored %d chunks", n)
	}
	if g := e.chunks.resetGets(); len(g) != 0 {
		t.Fatalf("copy read %d chunks", len(g))
	}
	if c.ETag != a.ETag || c.ContentType != "text/plain" || c.UserMeta["k"] != "v" {
		t.Fatalf("copy info %+v", c)
	}
	if !bytes.Equal(e.mustGet("dd", "copy/c"), body) {
		t.Fatal("copy content differs")
	}
}

func TestRangeFetchesOnlyCoveredChunks(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("rg")
	body := data(3, 60000)
	e.put("rg", "big", body)
	d, err := e.meta.GetDraftEntry(e.ctx, model.DefaultContext, "rg", "big")
	if err != nil || len(d.Chunks) < 20 {
		t.Fatalf("entry: %d chunks, %v", len(d.Chunks), err)
	}
	for _, r := range []gateway.Range{{Start: 0, Length: 1}, {Start: 30000, Length: 5000}, {Start: 59999, Length: 1}, {Start: 0, Length: 60000}, {Start: 12345, Length: 0}} {
		e.chunks.resetGets()
		got, _, err := e.get("rg", "big", &r)
		if err != nil || !bytes.Equal(got, body[r.Start:r.Start+r.Length]) {
			t.Fatalf("range %+v: %d bytes, %v", r, len(got), err)
		}
		gets := e.chunks.resetGets()
		wantIDs := map[string]bool{}
		off := int64(0)
		for _, c := range d.Chunks {
			if r.Length > 0 && off+int64(c.Size) > r.Start && off < r.Start+r.Length {
				wantIDs[c.ID.String()] = true
			}
			off += int64(c.Size)
		}
		for id := range gets {
			if !wantIDs[id.String()] {
				t.Fatalf("range %+v fetched chunk %s outside it", r, id)
			}
		}
		if len(gets) != len(wantIDs) {
			t.Fatalf("range %+v fetched %d chunks, covers %d", r, len(gets), len(wantIDs))
		}
	}
	if _, _, err := e.get("rg", "big", &gateway.Range{Start: 60000, Length: 1}); !errors.Is(err, gateway.ErrInvalidRange) {
		t.Fatalf("range past end: %v", err)
	}
}

func TestPermissionsAndKeys(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("open")
	e.mkBucket("closed")
	k := model.AccessKey{ID: "AKREADER", Secret: "s3cr3t", Contributor: model.Contributor{Name: "rd", Email: "rd@x"},
		Grants: map[string]model.Permission{"default/open": model.PermRead}}
	if err := e.meta.PutAccessKey(e.ctx, k); err != nil {
		t.Fatal(err)
	}
	var secret string
	var id gateway.Identity
	err := waitFor(func() error {
		var err error
		secret, id, err = e.b.LookupKey(e.ctx, "AKREADER")
		return err
	})
	if err != nil || secret != "s3cr3t" || id.Grants["default/open"] != "read" || id.Root || id.Name != "rd" {
		t.Fatalf("lookup: %q %+v %v", secret, id, err)
	}
	if _, _, err := e.b.LookupKey(e.ctx, "nobody"); !errors.Is(err, gateway.ErrAccessDenied) {
		t.Fatalf("unknown key: %v", err)
	}
	e.put("open", "f", []byte("hello"))
	bs, err := e.b.ListBuckets(e.ctx, id)
	if err != nil || len(bs) != 1 || bs[0].Name != "open" {
		t.Fatalf("buckets %+v %v", bs, err)
	}
	if _, err := e.b.HeadObject(e.ctx, id, "open", "f"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.HeadObject(e.ctx, id, "closed", "f"); !errors.Is(err, gateway.ErrAccessDenied) {
		t.Fatalf("read without grant: %v", err)
	}
	if _, err := e.b.PutObject(e.ctx, id, "open", "g", strings.NewReader("x"), 1, gateway.PutMeta{}); !errors.Is(err, gateway.ErrAccessDenied) {
		t.Fatalf("write with read grant: %v", err)
	}
	if err := e.b.CreateBucket(e.ctx, id, "mine"); !errors.Is(err, gateway.ErrAccessDenied) {
		t.Fatalf("create without admin: %v", err)
	}
	// Read on the cluster scope "*" reads every repo and writes none.
	all := gateway.Identity{AccessKey: "AKALL", Grants: map[string]string{model.ScopeCluster: "read"}}
	if bs, err := e.b.ListBuckets(e.ctx, all); err != nil || len(bs) != 2 {
		t.Fatalf("buckets with read on *: %+v %v", bs, err)
	}
	if _, err := e.b.HeadObject(e.ctx, all, "open", "f"); err != nil {
		t.Fatalf("read with read on *: %v", err)
	}
	if _, err := e.b.PutObject(e.ctx, all, "closed", "g", strings.NewReader("x"), 1, gateway.PutMeta{}); !errors.Is(err, gateway.ErrAccessDenied) {
		t.Fatalf("write with read on *: %v", err)
	}
	if err := e.b.CreateBucket(e.ctx, e.root, "open"); !errors.Is(err, gateway.ErrBucketExists) {
		t.Fatalf("create existing: %v", err)
	}
	if err := e.b.HeadBucket(e.ctx, e.root, "missing"); !errors.Is(err, gateway.ErrNoSuchBucket) {
		t.Fatalf("head missing: %v", err)
	}
	if err := e.b.DeleteBucket(e.ctx, e.root, "open"); !errors.Is(err, gateway.ErrBucketNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
	if err := e.b.DeleteBucket(e.ctx, e.root, "closed"); err != nil {
		t.Fatal(err)
	}
	if err := e.b.HeadBucket(e.ctx, e.root, "closed"); !errors.Is(err, gateway.ErrNoSuchBucket) {
		t.Fatalf("deleted bucket: %v", err)
	}
}

func TestBucketNames(t *testing.T) {
	id := "0ujtsYcgvSTl8PAuAdqWYSMnLOv" // 27 base62
	for _, c := range []struct {
		ref  Ref
		name string
	}{
		{Ref{Context: "default", Repo: "images"}, "images"},
		{Ref{Context: "prod", Repo: "images"}, "prod.images"},
		{Ref{Context: "default", Repo: "MyRepo"}, "x--4d795265706f"},
		{Ref{Context: "default", Repo: "ab"}, "x--6162"},
		{Ref{Context: "default", Repo: "a--b"}, "x--612d2d62"},
		{Ref{Context: "default", Repo: "images", Label: "v1.2"}, "images--label--v1.2"},
		{Ref{Context: "default", Repo: "images", Label: "Prod"}, "images--label--x--50726f64"},
	} {
		if got := BucketName(c.ref); got != c.name {
			t.Fatalf("%+v: %q want %q", c.ref, got, c.name)
		}
		r, err := ParseBucket(c.name)
		if err != nil || r != c.ref {
			t.Fatalf("parse %q: %+v %v", c.name, r, err)
		}
	}
	ref := Ref{Context: "default", Repo: "images", Bundle: id}
	name := BucketName(ref)
	if len(name) != len("images--bundle--")+32 || strings.ToLower(name) != name {
		t.Fatalf("bundle alias %q", name)
	}
	for _, n := range []string{name, "images--bundle--" + id} {
		if r, err := ParseBucket(n); err != nil || r != ref {
			t.Fatalf("parse %q: %+v %v", n, r, err)
		}
	}
	for _, bad := range []string{"", "a.b.c", "x--zz", "images--bundle--abc", "images--label--.x", "bad_name"} {
		if _, err := ParseBucket(bad); !errors.Is(err, gateway.ErrNoSuchBucket) {
			t.Fatalf("parse %q: %v", bad, err)
		}
	}
}

func TestRawBucketName(t *testing.T) {
	id := "3N6KqJ8MPWThRwmpRDIGq7vda8K"
	for _, c := range []struct {
		ref  Ref
		want string
		ok   bool
	}{
		{Ref{Repo: "MyRepo", Bundle: id}, "MyRepo--bundle--" + id, true},
		{Ref{Context: "Prod", Repo: "MyRepo", Label: "V1_2"}, "Prod.MyRepo--label--V1_2", true},
		{Ref{Repo: "images"}, "images", true},
		{Ref{Repo: "x--ab"}, "", false},             // would decode as hex
		{Ref{Repo: "a--label--b"}, "", false},       // would parse as a label alias
		{Ref{Repo: "café"}, "", false},              // not a request bucket name
		{Ref{Repo: "r", Label: "v1..2"}, "", false}, // ".." refused by the gateway
	} {
		got, ok := RawBucketName(c.ref)
		if got != c.want || ok != c.ok {
			t.Errorf("RawBucketName(%+v) = %q %v, want %q %v", c.ref, got, ok, c.want, c.ok)
		}
		if ok {
			if r, err := ParseBucket(got); err != nil || r != canonicalRef(c.ref) {
				t.Errorf("ParseBucket(%q) = %+v %v", got, r, err)
			}
		}
	}
}

func FuzzParseBucket(f *testing.F) {
	for _, s := range []string{"images", "prod.images", "x--4d79", "images--label--v1.2", "images--bundle--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a--label--b--bundle--c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseBucket(s)
		if err != nil {
			return
		}
		name := BucketName(r)
		again, err := ParseBucket(name)
		if err != nil || again != r {
			t.Fatalf("%q -> %+v -> %q -> %+v %v", s, r, name, again, err)
		}
		if r.Bundle == "" && len(name) >= 3 && len(name) <= 63 && strings.ToLower(name) != name {
			t.Fatalf("canonical name %q not lowercase", name)
		}
		if raw, ok := RawBucketName(r); ok {
			if back, err := ParseBucket(raw); err != nil || back != r || gateway.ValidRequestBucket(raw) != nil {
				t.Fatalf("raw name %q of %+v -> %+v %v", raw, r, back, err)
			}
		}
	})
}

func waitFor(fn func() error) error {
	var err error
	for range 100 {
		if err = fn(); err == nil {
			return nil
		}
		sleep()
	}
	return fmt.Errorf("timed out: %w", err)
}
