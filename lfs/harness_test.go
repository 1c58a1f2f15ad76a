package lfs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/lfs"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/valyala/fasthttp"
)

// memChunks is an in-memory content-addressed chunk store (a real
// implementation of lfs.Chunks: IDs are BLAKE3 of the bytes).
type memChunks struct {
	mu   sync.Mutex
	m    map[chunk.ID][]byte
	puts atomic.Int64
}

func (c *memChunks) Put(_ context.Context, b []byte) (chunk.ID, error) {
	id := chunk.Sum(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id] = bytes.Clone(b)
	c.puts.Add(1)
	return id, nil
}

func (c *memChunks) Get(_ context.Context, id chunk.ID) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[id]
	if !ok {
		return nil, fmt.Errorf("%w: chunk %s", model.ErrNotFound, id)
	}
	return b, nil
}

func (c *memChunks) Has(_ context.Context, ids []chunk.ID) ([]bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]bool, len(ids))
	for i, id := range ids {
		_, out[i] = c.m[id]
	}
	return out, nil
}

// env is an LFS server over a real 3-node raftmeta group, on loopback.
type env struct {
	t      *testing.T
	url    string // …/lfs/default/games
	meta   *raftmeta.Meta
	chunks *memChunks
	now    atomic.Int64 // unix seconds offset added to the server clock
}

const (
	rootID, rootSecret = "root", "root-secret-0123456789"
)

func newEnv(t *testing.T) *env { t.Helper(); return newEnvWith(t, nil, nil) }

// newEnvWith is newEnv with a config tweak and an Authenticator (both may be nil).
func newEnvWith(t *testing.T, tweak func(*lfs.Config), auth lfs.Authenticator) *env {
	t.Helper()
	c := raftmetatest.New(t, 3, raftmetatest.Options{RootKey: &model.AccessKey{ID: rootID, Secret: rootSecret, Root: true}})
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := c.Meta(c.IDs()[0])
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, err := m.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: "games", Description: "d"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := []model.AccessKey{
		{ID: "ann", Secret: "ann-secret", User: "ann", Grants: map[string]model.Permission{"default/games": model.PermWrite}},
		{ID: "bob", Secret: "bob-secret", User: "bob", Grants: map[string]model.Permission{"default/games": model.PermWrite}},
		{ID: "reader", Secret: "reader-secret", User: "rita", Grants: map[string]model.Permission{"default/games": model.PermRead}},
	}
	for _, k := range keys {
		if _, err := m.CreateUser(ctx, model.User{Name: k.User, Email: k.User + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := m.PutAccessKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, meta: m, chunks: &memChunks{m: map[chunk.ID][]byte{}}}
	key, _ := lfs.DeriveHrefKey("cluster-secret-0123456789")
	cfg := lfs.DefaultConfig()
	cfg.HrefKey, cfg.HrefTTL = key, time.Minute
	cfg.Chunker = chunk.ChunkerConfig{Min: 1 << 10, Avg: 4 << 10, Max: 16 << 10}
	cfg.MaxObjectSize = 8 << 20
	cfg.Now = func() time.Time { return time.Now().Add(time.Duration(e.now.Load()) * time.Second) }
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := lfs.New(cfg, m, e.chunks, auth)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &fasthttp.Server{Handler: srv.Handler(), StreamRequestBody: true, MaxRequestBodySize: 1 << 20}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown() })
	e.url = "http://" + ln.Addr().String() + "/lfs/default/games"
	return e
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// do sends a request; auth is an Authorization value ("" for none).
func (e *env) do(method, url, auth string, body []byte) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", lfs.MediaType)
	req.Header.Set("Content-Type", lfs.MediaType)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (e *env) batch(auth, op string, objs ...lfs.ObjectSpec) (int, lfs.BatchResponse) {
	e.t.Helper()
	b, _ := json.Marshal(lfs.BatchRequest{Operation: op, Transfers: []string{"basic"}, Objects: objs, HashAlgo: "sha256"})
	st, out := e.do("POST", e.url+"/objects/batch", auth, b)
	var br lfs.BatchResponse
	if st == 200 {
		if err := json.Unmarshal(out, &br); err != nil {
			e.t.Fatalf("batch answer %s: %v", out, err)
		}
	}
	return st, br
}

func spec(data []byte) lfs.ObjectSpec {
	h := sha256.Sum256(data)
	return lfs.ObjectSpec{OID: hex.EncodeToString(h[:]), Size: int64(len(data))}
}

// act runs an action of a batch answer with its headers.
func (e *env) act(a *lfs.Action, method string, body []byte) (int, []byte) {
	e.t.Helper()
	return e.do(method, a.Href, a.Header["Authorization"], body)
}
