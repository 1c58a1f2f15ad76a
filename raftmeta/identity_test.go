package raftmeta_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// testClock is a settable clock shared by every node (the leader stamps).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var rootKey = model.AccessKey{ID: "ROOTKEYID0001", Secret: "root-secret-plaintext-0001", Root: true,
	Contributor: model.Contributor{Name: "root", Email: "root@localhost"}}

func TestIdentityUsersKeysGrants(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	root := rootKey
	c := raftmetatest.New(t, 3, raftmetatest.Options{RootKey: &root, Clock: clk.Now})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader)) // every write forwarded

	u, err := m.CreateUser(ctx, model.User{Name: "ada", Email: "ada@example.com"})
	if err != nil || u.Name != "ada" || u.Created.IsZero() {
		t.Fatalf("create user: %+v %v", u, err)
	}
	if _, err := m.CreateUser(ctx, model.User{Name: "ada"}); !errors.Is(err, model.ErrExists) {
		t.Fatalf("duplicate user: %v", err)
	}
	for _, bad := range []model.User{{Name: "a b"}, {Name: "ada2", Email: "nope"}, {}} {
		if _, err := m.CreateUser(ctx, bad); !errors.Is(err, model.ErrInvalid) {
			t.Fatalf("user %+v: %v", bad, err)
		}
	}
	secret := "ada-secret-0123456789"
	k := model.AccessKey{ID: "ADAKEY1", Secret: secret, User: "ada",
		Grants: map[string]model.Permission{"default/data": model.PermRead}}
	got, err := m.CreateKey(ctx, k)
	if err != nil || got.Secret != secret || got.Created.IsZero() || got.Root ||
		got.Contributor != (model.Contributor{Name: "ada", Email: "ada@example.com"}) {
		t.Fatalf("create key: %+v %v", got, err)
	}
	for name, bad := range map[string]model.AccessKey{
		"exists":       k,
		"no user":      {ID: "X1", Secret: secret, User: "nobody"},
		"short secret": {ID: "X2", Secret: "short", User: "ada"},
		"bad scope":    {ID: "X3", Secret: secret, User: "ada", Grants: map[string]model.Permission{"a/b/c": model.PermRead}},
		"bad perm":     {ID: "X4", Secret: secret, User: "ada", Grants: map[string]model.Permission{"a/b": 7}},
		"sealed-like":  {ID: "X5", Secret: "dmsec1:0123456789abcdef", User: "ada"},
	} {
		_, err := m.CreateKey(ctx, bad)
		want := model.ErrInvalid
		switch name {
		case "exists":
			want = model.ErrExists
		case "no user":
			want = model.ErrNotFound
		}
		if !errors.Is(err, want) {
			t.Fatalf("%s: %v, want %v", name, err, want)
		}
	}
	if g, err := m.GetKey(ctx, "ADAKEY1"); err != nil || g.Secret != "" || g.User != "ada" {
		t.Fatalf("GetKey: %+v %v", g, err)
	}
	if a, err := m.GetAccessKey(ctx, "ADAKEY1"); err != nil || a.Secret != secret {
		t.Fatalf("GetAccessKey: %+v %v", a, err)
	}
	if ks, err := m.ListKeys(ctx, "ada"); err != nil || len(ks) != 1 || ks[0].ID != "ADAKEY1" || ks[0].Secret != "" {
		t.Fatalf("ListKeys(ada): %+v %v", ks, err)
	}
	if _, err := m.ListKeys(ctx, "nobody"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("ListKeys(nobody): %v", err)
	}
	if all, err := m.ListKeys(ctx, ""); err != nil || len(all) != 2 {
		t.Fatalf("ListKeys: %+v %v", all, err)
	}
	if u, err := m.GetUser(ctx, "ada"); err != nil || len(u.Keys) != 1 || u.Keys[0] != "ADAKEY1" {
		t.Fatalf("GetUser: %+v %v", u, err)
	}

	// grants
	g, err := m.AddGrant(ctx, "ADAKEY1", "default/*", model.PermWrite)
	if err != nil || g.Grants["default/*"] != model.PermWrite || g.Grants["default/data"] != model.PermRead || g.Secret != "" {
		t.Fatalf("AddGrant: %+v %v", g, err)
	}
	if g, err = m.RemoveGrant(ctx, "ADAKEY1", "default/data"); err != nil || len(g.Grants) != 1 {
		t.Fatalf("RemoveGrant: %+v %v", g, err)
	}
	if _, err := m.RemoveGrant(ctx, "ADAKEY1", "default/data"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("RemoveGrant absent: %v", err)
	}
	if _, err := m.AddGrant(ctx, "ADAKEY1", "x/y", model.PermNone); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("AddGrant none: %v", err)
	}
	if _, err := m.AddGrant(ctx, "NOPE", "x/y", model.PermRead); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("AddGrant unknown key: %v", err)
	}

	// rotation: the old secret stays until the leader's time + grace
	clk.Add(time.Minute)
	rot, err := m.RotateKey(ctx, "ADAKEY1", "ada-secret-rotated-000", time.Hour)
	if err != nil || rot.Secret != "ada-secret-rotated-000" || rot.OldSecret != "" {
		t.Fatalf("rotate: %+v %v", rot, err)
	}
	a, err := m.GetAccessKey(ctx, "ADAKEY1")
	if err != nil || a.Secret != "ada-secret-rotated-000" || a.OldSecret != secret ||
		!a.OldSecretUntil.Equal(clk.Now().Add(time.Hour)) {
		t.Fatalf("after rotate: %+v %v (now %v)", a, err, clk.Now())
	}
	if _, err := m.RotateKey(ctx, "ADAKEY1", "ada-secret-rotated-001", -time.Second); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("negative grace: %v", err)
	}
	if _, err := m.RotateKey(ctx, "ADAKEY1", "ada-secret-rotated-001", 0); err != nil {
		t.Fatal(err)
	}
	if a, _ := m.GetAccessKey(ctx, "ADAKEY1"); a.OldSecret != "" || !a.OldSecretUntil.IsZero() {
		t.Fatalf("rotate without grace kept %+v", a)
	}

	// the last cluster-admin key cannot go
	if err := m.DeleteKey(ctx, root.ID); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("delete last root: %v", err)
	}
	if _, err := m.AddGrant(ctx, root.ID, model.ScopeCluster, model.PermRead); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("downgrade last root: %v", err)
	}
	if _, err := m.RemoveGrant(ctx, root.ID, model.ScopeCluster); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("remove last root's grant: %v", err)
	}
	if r, _ := m.GetKey(ctx, root.ID); !r.Root {
		t.Fatalf("root key changed: %+v", r)
	}
	// an admin user's key takes over; then the bootstrap key may go
	if _, err := m.CreateUser(ctx, model.User{Name: "ops"}); err != nil {
		t.Fatal(err)
	}
	adm, err := m.CreateKey(ctx, model.AccessKey{ID: "OPSKEY", Secret: "ops-secret-0123456789", User: "ops",
		Grants: map[string]model.Permission{model.ScopeCluster: model.PermAdmin}})
	if err != nil || !adm.Root {
		t.Fatalf("admin key: %+v %v", adm, err)
	}
	if err := m.DeleteKey(ctx, root.ID); err != nil {
		t.Fatalf("delete bootstrap root with another admin: %v", err)
	}
	if err := m.DeleteUser(ctx, "ops"); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("delete user holding the last admin key: %v", err)
	}
	if _, err := m.GetKey(ctx, "OPSKEY"); err != nil {
		t.Fatalf("refused delete changed state: %v", err)
	}
	// deleting a user deletes its keys
	if err := m.DeleteUser(ctx, "ada"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.GetAccessKey(ctx, "ADAKEY1"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("key of deleted user: %v", err)
	}
	if err := m.DeleteUser(ctx, "ada"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("delete deleted user: %v", err)
	}
	if us, err := m.ListUsers(ctx); err != nil || len(us) != 1 || us[0].Name != "ops" || len(us[0].Keys) != 1 {
		t.Fatalf("ListUsers: %+v %v", us, err)
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

var _ = raftmeta.SealPrefix
