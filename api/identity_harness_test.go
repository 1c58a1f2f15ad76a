package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/api/identmem"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// identMeta authenticates with the identity store's keys first (where
// created keys live), then with memMeta's fixed test keys.
type identMeta struct {
	*memMeta
	ids *identmem.Store
}

func (m identMeta) GetAccessKey(ctx context.Context, id string) (model.AccessKey, error) {
	k, err := m.ids.GetAccessKey(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return m.memMeta.GetAccessKey(ctx, id)
	}
	return k, err
}

// metaWithIdentities implements api.Identities itself (the way
// *raftmeta.Meta will): no Config.Identities needed.
type metaWithIdentities struct {
	identMeta
	*identmem.Store
}

func (m metaWithIdentities) GetAccessKey(ctx context.Context, id string) (model.AccessKey, error) {
	return m.identMeta.GetAccessKey(ctx, id)
}

// identNode is an API server whose identities are an identmem.Store given
// as Config.Identities (viaMeta: as part of the Meta instead).
type identNode struct {
	meta *memMeta
	ids  *identmem.Store
	srv  *api.Server
	mn   memNet
}

func newIdentNode(t *testing.T, viaMeta bool) *identNode {
	t.Helper()
	ids, err := identmem.New(identmem.Config{})
	if err != nil {
		t.Fatal(err)
	}
	n := &identNode{meta: newMemMeta(allKeys...), ids: ids, mn: memNet{}}
	cfg := api.DefaultConfig()
	var meta api.Meta = identMeta{n.meta, ids}
	if viaMeta {
		meta = metaWithIdentities{identMeta{n.meta, ids}, ids}
	} else {
		cfg.Identities = ids
	}
	n.srv = api.New(cfg, meta, newMemChunks(), staticCluster{id: "n1:7000"})
	ln := fasthttputil.NewInmemoryListener()
	hs := n.srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	n.mn["n1:7000"] = ln
	return n
}

func (n *identNode) client(t *testing.T, id, secret string) *client.Client {
	t.Helper()
	return newClient(t, n.mn, model.AccessKey{ID: id, Secret: secret}, "http://n1:7000")
}

// rawAs sends one signed request through the handler in-process.
func (n *identNode) rawAs(key model.AccessKey, method, path, body string) *fasthttp.Response {
	var rc fasthttp.RequestCtx
	rc.Init(signedReq(key, method, path, []byte(body), []byte(body), time.Now()), nil, nil)
	n.srv.Handler()(&rc)
	var resp fasthttp.Response
	rc.Response.CopyTo(&resp)
	return &resp
}

// state is every user and key of the store, secrets included, to check
// that refused requests change nothing.
func (n *identNode) state(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	us, err := n.ids.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := n.ids.ListKeys(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range us {
		b.WriteString(u.Name + "<" + u.Email + ">" + strings.Join(u.Keys, ",") + ";")
	}
	for _, k := range ks {
		full, err := n.ids.GetAccessKey(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(full.ID + ":" + full.Secret + ":" + full.OldSecret + ":" + strings.Join(api.NewKeyInfo(full).Grants, ",") + ";")
	}
	return b.String()
}
