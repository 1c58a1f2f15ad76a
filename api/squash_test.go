package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// Squash end to end over the real Raft metadata: admin on the repo for a
// repo squash, admin on the whole context for a context squash; the dry
// run's horizons feed the squash; a Meta without Squasher answers 503.
func TestSquashRoutes(t *testing.T) {
	cl := raftmetatest.New(t, 1, raftmetatest.Options{RootKey: &rootKey})
	leader, err := cl.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	meta := cl.Meta(leader)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = raftmetatest.WaitFor(10*time.Second, func() error {
		_, err := meta.GetAccessKey(ctx, rootKey.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	repoAdmin := model.AccessKey{ID: "AKRADMIN", Secret: "s1", Grants: map[string]model.Permission{"default/r": model.PermAdmin}}
	ctxAdmin := model.AccessKey{ID: "AKCADMIN", Secret: "s2", Grants: map[string]model.Permission{"default/*": model.PermAdmin}}
	for _, k := range []model.AccessKey{repoAdmin, ctxAdmin, writeKey} {
		if err := meta.PutAccessKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	mn := memNet{}
	srv := api.New(api.DefaultConfig(), meta, newMemChunks(), staticCluster{id: "n1:7000"})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	mn["n1:7000"] = ln
	root := newClient(t, mn, rootKey, "http://n1:7000")
	if _, err := root.CreateRepo(ctx, model.Repo{Context: "default", Name: "r", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if _, err := root.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r", Message: "m"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	req := model.SquashRequest{RetainLatest: 1}
	for _, k := range []model.AccessKey{writeKey, repoAdmin} {
		_, err := newClient(t, mn, k, "http://n1:7000").SquashContext(ctx, "default", req)
		if !errors.Is(err, model.ErrPermission) {
			t.Fatalf("context squash with %s: %v", k.ID, err)
		}
	}
	if _, err := newClient(t, mn, writeKey, "http://n1:7000").SquashRepo(ctx, "default", "r", req); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("repo squash with write: %v", err)
	}
	if _, err := root.SquashRepo(ctx, "default", "r", model.SquashRequest{}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("retain 0: %v", err)
	}
	admin := newClient(t, mn, repoAdmin, "http://n1:7000")
	dry := req
	dry.DryRun = true
	plan, err := admin.SquashRepo(ctx, "default", "r", dry)
	if err != nil || !plan.DryRun || plan.Deleted != 3 || plan.Kept != 1 {
		t.Fatalf("dry run: %+v %v", plan, err)
	}
	// a bundle committed after the dry run is beyond its horizon: kept
	late, err := root.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r", Message: "late"}, "")
	if err != nil {
		t.Fatal(err)
	}
	req.Horizons = plan.Horizons()
	res, err := admin.SquashRepo(ctx, "default", "r", req)
	if err != nil || res.Deleted != 3 || res.Kept != 2 {
		t.Fatalf("squash: %+v %v", res, err)
	}
	bs, err := root.ListBundles(ctx, "default", "r")
	if err != nil || len(bs) != 2 || bs[0].ID != plan.Repos[0].Horizon || bs[1].ID != late.ID {
		t.Fatalf("after squash: %+v %v", bs, err)
	}
	res, err = newClient(t, mn, ctxAdmin, "http://n1:7000").SquashContext(ctx, "default", model.SquashRequest{RetainLatest: 1})
	if err != nil || res.Deleted != 1 || res.Kept != 1 || len(res.Repos) != 1 {
		t.Fatalf("context squash: %+v %v", res, err)
	}

	// a node whose Meta cannot squash says so with 503
	_, _, root2 := single(t)
	_, err = root2.SquashRepo(ctx, "default", "r1", model.SquashRequest{RetainLatest: 1})
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != fasthttp.StatusServiceUnavailable {
		t.Fatalf("squash without Squasher: %v", err)
	}
}
