package api_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/valyala/fasthttp/fasthttputil"
)

// adminNode is an API server over a real one-node Raft metadata group.
func adminNode(t *testing.T, mn memNet, keys ...model.AccessKey) (*memChunks, func(model.AccessKey) *client.Client) {
	t.Helper()
	root := rootKey
	c := raftmetatest.New(t, 1, raftmetatest.Options{RootKey: &root})
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := c.Meta("n1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, err := m.GetContext(ctx, model.DefaultContext)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := m.PutAccessKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	chunks := newMemChunks()
	srv := api.New(api.DefaultConfig(), m, chunks, staticCluster{id: "n1:7000"})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	mn["admin:7000"] = ln
	return chunks, func(k model.AccessKey) *client.Client { return newClient(t, mn, k, "http://admin:7000") }
}

// Rename needs admin on the repo and on the new name; delete-files admin
// on the repo; a metadata store without RepoAdmin answers 503; bad paths
// are 400 and change nothing. With many paths the node walks each manifest
// once (no per-path lookups) and reports the paths no bundle had.
func TestRepoAdminRoutes(t *testing.T) {
	adminR := model.AccessKey{ID: "AKADMR", Secret: "s", Grants: map[string]model.Permission{"default/r": model.PermAdmin}}
	mn := memNet{}
	chunks, cl := adminNode(t, mn, writeKey, adminR)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root := cl(rootKey)
	if _, err := root.CreateRepo(ctx, model.Repo{Context: "default", Name: "r", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	// A bundle with 100 files, written through the node's chunk store.
	w := manifest.NewWriter(ctx, chunkPutter{chunks}, manifest.WriterConfig{LeafEntries: 8})
	for i := 0; i < 100; i++ {
		data := []byte(fmt.Sprint("file ", i))
		id, _ := chunks.Put(ctx, data)
		if err := w.Add(manifest.Entry{Path: fmt.Sprintf("f%03d", i), Type: manifest.File, Size: int64(len(data)),
			Chunks: []manifest.ChunkRef{{ID: id, Size: uint32(len(data))}}}); err != nil {
			t.Fatal(err)
		}
	}
	mr, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := root.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r", Message: "m", ManifestRoot: mr.ID,
		FileCount: mr.Files, ByteCount: mr.Bytes}, "")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := cl(writeKey).DeleteFiles(ctx, "default", "r", []string{"f000"}); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("delete files with write: %v", err)
	}
	if _, err := cl(writeKey).RenameRepo(ctx, "default", "r", "r2"); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("rename with write: %v", err)
	}
	if _, err := cl(adminR).RenameRepo(ctx, "default", "r", "r2"); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("rename without admin on the new name: %v", err)
	}
	for _, bad := range [][]string{{"../x"}, {"/abs"}, {"a//b"}, {""}} {
		if _, err := cl(adminR).DeleteFiles(ctx, "default", "r", bad); !errors.Is(err, model.ErrInvalid) {
			t.Fatalf("paths %q: %v", bad, err)
		}
	}
	var paths []string
	for i := 0; i < 100; i++ {
		if i%3 != 0 { // 66 paths: more than the per-path lookup limit
			paths = append(paths, fmt.Sprintf("f%03d", i))
		}
	}
	paths = append(paths, "absent/1", "absent/2")
	res, err := cl(adminR).DeleteFiles(ctx, "default", "r", paths)
	if err != nil || res.Removed != 66 || len(res.Bundles) != 1 || len(res.Bundles[0].Removed) != 66 ||
		len(res.Missing) != 2 || res.Missing[0] != "absent/1" || res.Bundles[0].FileCount != 34 {
		t.Fatalf("delete files: %+v %v", res, err)
	}
	got, err := root.GetBundle(ctx, "default", "r", b.ID)
	if err != nil || got.ManifestRoot != res.Bundles[0].NewRoot || got.FileCount != 34 || got.ManifestRoot == mr.ID {
		t.Fatalf("bundle after delete: %+v %v", got, err)
	}
	rd, err := manifest.Open(ctx, chunkGetter{chunks}, got.ManifestRoot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Lookup(ctx, "f001"); !errors.Is(err, manifest.ErrNotFound) {
		t.Fatalf("f001 after delete: %v", err)
	}
	if _, err := rd.Lookup(ctx, "f099"); err != nil {
		t.Fatalf("f099 after delete: %v", err)
	}

	// A metadata store that cannot do it: 503, not a silent no-op.
	startNode(t, mn, "plain:7000", newMemMeta(allKeys...))
	if _, err := newClient(t, mn, rootKey, "http://plain:7000").RenameRepo(ctx, "default", "r1", "r2"); !errors.Is(err, client.ErrUnavailable) {
		t.Fatalf("rename on a store without RepoAdmin: %v", err)
	}
}

type chunkPutter struct{ c *memChunks }

func (p chunkPutter) PutChunk(ctx context.Context, b []byte) (chunk.ID, error) {
	return p.c.Put(ctx, b)
}

type chunkGetter struct{ c *memChunks }

func (g chunkGetter) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	return g.c.Get(ctx, id)
}
