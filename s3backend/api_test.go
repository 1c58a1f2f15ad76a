package s3backend

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/valyala/fasthttp/fasthttputil"
)

// apiCluster is the api.Cluster of the test node; embedding the Backend
// makes it implement api.Drafts, as the node does.
type apiCluster struct{ *Backend }

func (apiCluster) Members() []api.MemberInfo { return nil }
func (apiCluster) MetaStatus(context.Context) (api.MetaStatus, error) {
	return api.MetaStatus{}, nil
}
func (apiCluster) Metrics() map[string]float64 { return nil }

// The draft routes through the public API and the Go client.
func TestDraftThroughAPIAndClient(t *testing.T) {
	e := newEnv(t, 1, nil)
	key := model.AccessKey{ID: "AKW", Secret: "sw", Contributor: model.Contributor{Name: "w", Email: "w@x"},
		Grants: map[string]model.Permission{"default/web": model.PermWrite}}
	if err := e.meta.PutAccessKey(e.ctx, key); err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.Stale = raftmeta.WithStale
	srv := api.New(cfg, e.meta, e.chunks, apiCluster{e.b})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	ccfg := client.DefaultConfig()
	ccfg.Endpoints, ccfg.AccessKey, ccfg.SecretKey = []string{"mem:1"}, key.ID, key.Secret
	ccfg.Dial, ccfg.Retries = func(string) (net.Conn, error) { return ln.Dial() }, -1
	ccfg.Timeout = 10 * time.Second
	c, err := client.New(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	e.mkBucket("web")
	e.put("web", "index.html", []byte("<html>"))
	s, err := c.GetDraft(e.ctx, model.DefaultContext, "web")
	if err != nil || s.Entries != 1 || s.Bytes != 6 {
		t.Fatalf("draft %+v %v", s, err)
	}
	if _, err := c.CommitDraft(e.ctx, model.DefaultContext, "web", "", ""); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("commit without message: %v", err)
	}
	b, err := c.CommitDraft(e.ctx, model.DefaultContext, "web", "", "site v1")
	if err != nil || b.ID == "" || b.FileCount != 1 || b.Contributors[0].Name != "w" {
		t.Fatalf("commit %+v %v", b, err)
	}
	if l, err := c.GetLabel(e.ctx, model.DefaultContext, "web", "main"); err != nil || l.BundleID != b.ID {
		t.Fatalf("label %+v %v", l, err)
	}
	if _, err := c.CommitDraft(e.ctx, model.DefaultContext, "web", "", "again"); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("empty commit: %v", err)
	}
	e.put("web", "tmp", []byte("x"))
	if err := c.DiscardDraft(e.ctx, model.DefaultContext, "web"); err != nil {
		t.Fatal(err)
	}
	if s, err := c.GetDraft(e.ctx, model.DefaultContext, "web"); err != nil || s.Entries != 0 {
		t.Fatalf("after discard %+v %v", s, err)
	}
	if _, err := c.GetDraft(e.ctx, model.DefaultContext, "other"); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("no grant: %v", err)
	}
}
