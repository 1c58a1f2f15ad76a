package api_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
)

// The identity routes over a real one-node Raft metadata group
// (*raftmeta.Meta implements api.Identities, no Config.Identities): a key
// made through the API authenticates, its grant is enforced, rotation and
// deletion take effect, reads never carry a secret, and the store's own
// rule (the last cluster-admin key stays) comes back as 412.
func TestIdentityOverRaft(t *testing.T) {
	mn := memNet{}
	_, cl := adminNode(t, mn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root := cl(rootKey)
	if _, err := root.CreateRepo(ctx, model.Repo{Context: "default", Name: "r", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateUser(ctx, "ci", "ci@example.com"); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateKey(ctx, "ci", []string{"default/r=read"})
	if err != nil || !keyIDForm.MatchString(k.ID) || !secretForm.MatchString(k.Secret) {
		t.Fatalf("create key: %+v %v", k, err)
	}
	ci := cl(model.AccessKey{ID: k.ID, Secret: k.Secret})
	if _, err := ci.GetRepo(ctx, "default", "r"); err != nil {
		t.Fatalf("read with the new key: %v", err)
	}
	if _, err := ci.CreateRepo(ctx, model.Repo{Context: "default", Name: "r2", Description: "d"}); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("create repo with read: %v", err)
	}
	got, err := ci.GetKey(ctx, k.ID)
	if err != nil || got.User != "ci" || !slices.Equal(got.Grants, []string{"default/r=read"}) || got.Contributor.Email != "ci@example.com" {
		t.Fatalf("get self: %+v %v", got, err)
	}
	ks, err := root.ListKeys(ctx, "")
	if err != nil || len(ks) != 2 {
		t.Fatalf("list keys: %+v %v", ks, err)
	}
	for _, x := range ks {
		if x.ID == rootKey.ID && !x.Root {
			t.Fatalf("root key not shown as root: %+v", x)
		}
	}

	rk, err := ci.RotateKey(ctx, k.ID, 0)
	if err != nil || rk.Secret == k.Secret || !secretForm.MatchString(rk.Secret) {
		t.Fatalf("self rotate: %+v %v", rk, err)
	}
	if _, err := ci.GetKey(ctx, k.ID); !errors.Is(err, model.ErrUnauthenticated) {
		t.Fatalf("old secret after rotation without grace: %v", err)
	}
	ci = cl(model.AccessKey{ID: k.ID, Secret: rk.Secret})
	if _, err := ci.GetRepo(ctx, "default", "r"); err != nil {
		t.Fatalf("new secret: %v", err)
	}
	if info, err := root.AddGrant(ctx, k.ID, "default/*=write"); err != nil || len(info.Grants) != 2 {
		t.Fatalf("add grant: %+v %v", info, err)
	}
	if _, err := ci.CreateRepo(ctx, model.Repo{Context: "default", Name: "r2", Description: "d"}); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("write is not admin: %v", err)
	}
	if _, err := ci.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r", Message: "m"}, ""); err != nil {
		t.Fatalf("commit with write on default/*: %v", err)
	}

	// The root key is the only cluster admin: raftmeta refuses to drop it.
	if _, err := root.RemoveGrant(ctx, rootKey.ID, "*"); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("remove the last admin's grant: %v", err)
	}
	if err := root.DeleteUser(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := ci.GetRepo(ctx, "default", "r"); !errors.Is(err, model.ErrUnauthenticated) {
		t.Fatalf("key of a deleted user: %v", err)
	}
	if _, err := root.GetUser(ctx, "ci"); !errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), "ci") {
		t.Fatalf("deleted user: %v", err)
	}
}
