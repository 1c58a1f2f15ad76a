package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

const filesRepo = "/v1/contexts/default/repos/r1"

// call sends one signed JSON request through the handler.
func call(t testing.TB, n *node, key model.AccessKey, method, path string, body any) (int, []byte) {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	resp := raw(n, signedReq(key, method, path, b, b, time.Now()))
	return resp.StatusCode(), append([]byte(nil), resp.Body()...)
}

func TestBundleFiles(t *testing.T) {
	ctx := context.Background()
	n, _, c := single(t)
	if _, err := c.CreateRepo(ctx, model.Repo{Context: "default", Name: "r1", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	a, b2 := []byte("alpha-"), []byte("beta")
	ida, _ := c.PutChunk(ctx, a)
	idb, _ := c.PutChunk(ctx, b2)
	req := api.AssembleRequest{Message: "m", Label: "main", Files: []api.AssembleFile{
		{Path: "d/x.csv", Mode: 0o644, Chunks: []api.ChunkRef{{ID: ida, Size: uint32(len(a))}, {ID: idb, Size: uint32(len(b2))}}},
		{Path: "a.txt", Chunks: []api.ChunkRef{{ID: idb, Size: uint32(len(b2))}}},
		{Path: "d/e", Type: "dir"},
		{Path: "d/l", Type: "symlink", Target: "x.csv"},
	}}
	st, body := call(t, n, writeKey, "POST", filesRepo+"/bundles/assemble", req)
	if st != 201 {
		t.Fatalf("assemble: %d %s", st, body)
	}
	var bun model.Bundle
	if err := json.Unmarshal(body, &bun); err != nil || bun.FileCount != 2 || bun.ByteCount != 14 {
		t.Fatalf("bundle %+v %v", bun, err)
	}
	if l, err := c.GetLabel(ctx, "default", "r1", "main"); err != nil || l.BundleID != bun.ID {
		t.Fatalf("label %+v %v", l, err)
	}
	base := filesRepo + "/bundles/" + bun.ID

	// The entry with its chunks, and paged listings.
	st, body = call(t, n, readKey, "GET", base+"/file?path=d/x.csv", nil)
	var fi api.FileInfo
	if st != 200 || json.Unmarshal(body, &fi) != nil || fi.Size != 10 || len(fi.Chunks) != 2 || fi.Chunks[0].ID != ida || fi.Mode != 0o644 {
		t.Fatalf("file: %d %s", st, body)
	}
	list := func(q string) (paths []string, next string) {
		st, body := call(t, n, readKey, "GET", base+"/files?"+q, nil)
		var fl api.FileList
		if st != 200 || json.Unmarshal(body, &fl) != nil {
			t.Fatalf("files?%s: %d %s", q, st, body)
		}
		for _, f := range fl.Files {
			paths = append(paths, f.Path+":"+f.Type)
		}
		return paths, fl.Next
	}
	if p, next := list("prefix=d/&limit=2"); strings.Join(p, ",") != "d/e:dir,d/l:symlink" || next != "d/l" {
		t.Fatalf("page 1: %v %q", p, next)
	}
	if p, next := list("prefix=d/&limit=2&after=d/l"); strings.Join(p, ",") != "d/x.csv:file" || next != "" {
		t.Fatalf("page 2: %v %q", p, next)
	}
	if p, _ := list("dir="); strings.Join(p, ",") != "a.txt:file,d:dir" {
		t.Fatalf("root dir: %v", p)
	}
	if p, next := list("dir=d&limit=1"); strings.Join(p, ",") != "d/e:dir" || next != "d/e/" {
		t.Fatalf("dir d: %v %q", p, next)
	}

	// Error kinds, each changing nothing.
	writes := n.meta.writeCount()
	for _, tc := range []struct {
		what   string
		key    model.AccessKey
		method string
		path   string
		body   any
		status int
	}{
		{"missing file", readKey, "GET", base + "/file?path=nope", nil, 404},
		{"bad path", readKey, "GET", base + "/file?path=../x", nil, 400},
		{"bad limit", readKey, "GET", base + "/files?limit=0", nil, 400},
		{"unknown bundle", readKey, "GET", filesRepo + "/bundles/zzz/files", nil, 404},
		{"no grant", nogrant, "GET", base + "/files", nil, 403},
		{"reader writes", readKey, "POST", filesRepo + "/bundles/assemble", req, 403},
		{"no message", writeKey, "POST", filesRepo + "/bundles/assemble", api.AssembleRequest{Files: req.Files}, 400},
		{"missing chunk", writeKey, "POST", filesRepo + "/bundles/assemble", api.AssembleRequest{Message: "m",
			Files: []api.AssembleFile{{Path: "p", Chunks: []api.ChunkRef{{ID: chunk.Sum([]byte("absent")), Size: 6}}}}}, 400},
		{"duplicate path", writeKey, "POST", filesRepo + "/bundles/assemble", api.AssembleRequest{Message: "m",
			Files: []api.AssembleFile{{Path: "p"}, {Path: "p"}}}, 400},
		{"bad type", writeKey, "POST", filesRepo + "/bundles/assemble", api.AssembleRequest{Message: "m",
			Files: []api.AssembleFile{{Path: "p", Type: "fifo"}}}, 400},
		{"if_match without label", writeKey, "POST", filesRepo + "/bundles/assemble", api.AssembleRequest{Message: "m", IfMatch: bun.ID}, 400},
		{"bad chunk size", writeKey, "POST", filesRepo + "/bundles/assemble", api.AssembleRequest{Message: "m",
			Files: []api.AssembleFile{{Path: "p", Chunks: []api.ChunkRef{{ID: ida, Size: 0}}}}}, 400},
	} {
		if st, body := call(t, n, tc.key, tc.method, tc.path, tc.body); st != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.what, st, body, tc.status)
		}
	}
	if w := n.meta.writeCount(); w != writes {
		t.Fatalf("refused requests wrote: %d -> %d", writes, w)
	}

	// An empty bundle lists empty.
	st, body = call(t, n, writeKey, "POST", filesRepo+"/bundles/assemble", api.AssembleRequest{Message: "empty"})
	if st != 201 || json.Unmarshal(body, &bun) != nil || bun.FileCount != 0 {
		t.Fatalf("empty: %d %s", st, body)
	}
	base = filesRepo + "/bundles/" + bun.ID
	if p, _ := list(""); len(p) != 0 {
		t.Fatalf("empty bundle lists %v", p)
	}
}

// FuzzAssemble sends arbitrary assembly bodies and listing queries: never a
// 5xx, and a refused assembly commits nothing.
func FuzzAssemble(f *testing.F) {
	id := chunk.Sum([]byte("x")).String()
	f.Add([]byte(`{"message":"m","files":[{"path":"a","chunks":[{"id":"`+id+`","size":1}]}]}`), "prefix=a&limit=3")
	f.Add([]byte(`{"message":"m","label":"v1","if_match":"b","files":[{"path":"d","type":"dir"}]}`), "dir=&after=a")
	f.Add([]byte(`{"message":"m","files":[{"path":"l","type":"symlink","target":"../x"}]}`), "dir=x/y&limit=10001")
	f.Add([]byte(`{"files":[{"path":"/abs"}]}`), "after=%00")
	f.Fuzz(func(t *testing.T, body []byte, query string) {
		n := bareNode(newMemMeta(allKeys...))
		if _, err := n.chunks.Put(context.Background(), []byte("x")); err != nil {
			t.Fatal(err)
		}
		if st, b := call(t, n, rootKey, "POST", "/v1/contexts/default/repos", model.Repo{Name: "r1", Description: "d"}); st != 201 {
			t.Fatalf("create repo: %d %s", st, b)
		}
		w0 := n.meta.writeCount()
		resp := raw(n, signedReq(rootKey, "POST", filesRepo+"/bundles/assemble", body, body, time.Now()))
		st := resp.StatusCode()
		if st >= 500 {
			t.Fatalf("assemble %q: %d %s", body, st, resp.Body())
		}
		if st != 201 && n.meta.writeCount() != w0 {
			t.Fatalf("refused assembly (%d) wrote", st)
		}
		var b model.Bundle
		if st == 201 {
			if err := json.Unmarshal(resp.Body(), &b); err != nil {
				t.Fatal(err)
			}
		} else {
			b.ID = "none"
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		path := fmt.Sprintf("%s/bundles/%s/files?%s", filesRepo, b.ID, q.Encode())
		resp = raw(n, signedReq(rootKey, "GET", path, nil, nil, time.Now()))
		if s := resp.StatusCode(); s >= 500 || bytes.Contains(resp.Body(), []byte("panic")) {
			t.Fatalf("list %q: %d %s", path, s, resp.Body())
		}
	})
}
