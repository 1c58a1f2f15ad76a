package api_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/apiauth"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

var (
	rootKey   = model.AccessKey{ID: "AKROOT", Secret: "root-secret", Root: true, Contributor: model.Contributor{Name: "Root", Email: "root@x"}}
	readKey   = model.AccessKey{ID: "AKREAD", Secret: "read-secret", Contributor: model.Contributor{Name: "Reader"}, Grants: map[string]model.Permission{"default/r1": model.PermRead}}
	writeKey  = model.AccessKey{ID: "AKWRITE", Secret: "write-secret", Contributor: model.Contributor{Name: "Writer", Email: "w@x"}, Grants: map[string]model.Permission{"default/*": model.PermWrite}}
	nogrant   = model.AccessKey{ID: "AKNONE", Secret: "none-secret"}
	allKeys   = []model.AccessKey{rootKey, readKey, writeKey, nogrant}
	testLimit = 64 << 10
)

type staleKey struct{}

// node is one API server on an in-memory listener.
type node struct {
	addr   string
	meta   *memMeta
	chunks *memChunks
	srv    *api.Server
	ln     *fasthttputil.InmemoryListener
}

// net routes client dials to in-memory listeners by address.
type memNet map[string]*fasthttputil.InmemoryListener

func (n memNet) dial(addr string) (net.Conn, error) {
	ln, ok := n[addr]
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: "memory", Err: net.UnknownNetworkError(addr)}
	}
	return ln.Dial()
}

// bareNode is a node without a listener, for in-process requests (raw).
func bareNode(meta *memMeta) *node {
	cfg := api.DefaultConfig()
	cfg.MaxChunkBody, cfg.MaxJSONBody = testLimit, 4<<10
	cfg.Stale = func(ctx context.Context) context.Context { return context.WithValue(ctx, staleKey{}, true) }
	cfg.Unavailable = func(err error) bool { return errors.Is(err, errNoLeader) }
	n := &node{meta: meta, chunks: newMemChunks()}
	n.srv = api.New(cfg, meta, n.chunks, staticCluster{id: "n1:7000"})
	return n
}

func startNode(t *testing.T, mn memNet, addr string, meta *memMeta) *node {
	t.Helper()
	n := bareNode(meta)
	n.addr, n.ln = addr, fasthttputil.NewInmemoryListener()
	hs := n.srv.HTTPServer()
	go func() { _ = hs.Serve(n.ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = n.ln.Close() })
	mn[addr] = n.ln
	return n
}

func newClient(t *testing.T, mn memNet, key model.AccessKey, endpoints ...string) *client.Client {
	t.Helper()
	cfg := client.DefaultConfig()
	cfg.Endpoints, cfg.AccessKey, cfg.SecretKey = endpoints, key.ID, key.Secret
	cfg.Dial, cfg.Timeout, cfg.Backoff, cfg.MaxBackoff = mn.dial, 5*time.Second, time.Millisecond, 5*time.Millisecond
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// single starts one node with all test keys and returns it with a root client.
func single(t *testing.T) (*node, memNet, *client.Client) {
	mn := memNet{}
	n := startNode(t, mn, "n1:7000", newMemMeta(allKeys...))
	return n, mn, newClient(t, mn, rootKey, "http://n1:7000")
}

// raw runs one request through the handler in-process and returns the response.
func raw(n *node, req *fasthttp.Request) *fasthttp.Response {
	var rc fasthttp.RequestCtx
	rc.Init(req, nil, nil)
	n.srv.Handler()(&rc)
	var resp fasthttp.Response
	rc.Response.CopyTo(&resp)
	return &resp
}

// signedReq builds a request signed with key over signBody but carrying body.
func signedReq(key model.AccessKey, method, path string, signBody, body []byte, date time.Time) *fasthttp.Request {
	req := &fasthttp.Request{}
	req.SetRequestURI("http://n1:7000" + path)
	req.Header.SetMethod(method)
	req.SetBody(body)
	digest := apiauth.BodyDigest(signBody)
	req.Header.Set(api.HeaderContentDigest, digest)
	u := req.URI()
	q := map[string][]string{}
	for k, v := range u.QueryArgs().All() {
		q[string(k)] = append(q[string(k)], string(v))
	}
	req.Header.Set("Authorization", apiauth.Sign(key.ID, key.Secret, apiauth.Request{
		Method: method, Path: string(u.Path()), Query: q, BodyDigest: digest,
	}, date))
	return req
}
