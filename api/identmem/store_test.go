package identmem

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := New(Config{Now: c.now, RootKey: &model.AccessKey{ID: "ROOT", Secret: "rs", Root: true}})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// The contract of api.Identities: not found / exists, secrets only from
// GetAccessKey, the old secret during the grace and not after.
func TestStoreContract(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t)
	if _, err := New(Config{RootKey: &model.AccessKey{ID: "x"}}); !errors.Is(err, ErrConfig) {
		t.Fatalf("root key without secret: %v", err)
	}
	if _, err := s.CreateKey(ctx, model.AccessKey{ID: "K1", Secret: "s1", User: "ada"}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("key of a missing user: %v", err)
	}
	if _, err := s.CreateUser(ctx, model.User{Name: "ada"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, model.User{Name: "ada"}); !errors.Is(err, model.ErrExists) {
		t.Fatalf("duplicate user: %v", err)
	}
	k, err := s.CreateKey(ctx, model.AccessKey{ID: "K1", Secret: "s1", User: "ada", Grants: map[string]model.Permission{"a/b": model.PermRead}})
	if err != nil || k.Secret != "" || !k.Created.Equal(c.now()) {
		t.Fatalf("create key: %+v %v", k, err)
	}
	if _, err := s.CreateKey(ctx, model.AccessKey{ID: "K1", Secret: "s", User: "ada"}); !errors.Is(err, model.ErrExists) {
		t.Fatalf("duplicate key: %v", err)
	}
	if g, _ := s.GetKey(ctx, "K1"); g.Secret != "" {
		t.Fatalf("GetKey shows the secret")
	}
	if ks, _ := s.ListKeys(ctx, ""); len(ks) != 2 || ks[0].Secret != "" || ks[1].Secret != "" {
		t.Fatalf("ListKeys: %+v", ks)
	}
	if _, err := s.ListKeys(ctx, "nobody"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("keys of a missing user: %v", err)
	}
	if _, err := s.RotateKey(ctx, "K1", "s2", time.Minute); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.GetAccessKey(ctx, "K1"); a.Secret != "s2" || a.OldSecret != "s1" {
		t.Fatalf("in grace: %+v", a)
	}
	c.add(time.Minute)
	if a, _ := s.GetAccessKey(ctx, "K1"); a.Secret != "s2" || a.OldSecret != "" {
		t.Fatalf("after grace: %+v", a)
	}
	if _, err := s.RotateKey(ctx, "K1", "s3", 0); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.GetAccessKey(ctx, "K1"); a.Secret != "s3" || a.OldSecret != "" {
		t.Fatalf("rotated without grace: %+v", a)
	}
	if _, err := s.RemoveGrant(ctx, "K1", "x/y"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("remove a missing grant: %v", err)
	}
	if k, err := s.AddGrant(ctx, "K1", "x/y", model.PermWrite); err != nil || k.Grants["x/y"] != model.PermWrite || k.Grants["a/b"] != model.PermRead {
		t.Fatalf("add grant: %+v %v", k, err)
	}
	if u, _ := s.GetUser(ctx, "ada"); len(u.Keys) != 1 || u.Keys[0] != "K1" {
		t.Fatalf("user keys: %+v", u)
	}
	if err := s.DeleteUser(ctx, "ada"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccessKey(ctx, "K1"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("key of a deleted user: %v", err)
	}
	if _, err := s.GetAccessKey(ctx, "ROOT"); err != nil {
		t.Fatalf("root key: %v", err)
	}
}
