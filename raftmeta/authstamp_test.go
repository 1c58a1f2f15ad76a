package raftmeta_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// edgeCaller is what an edge puts on a request's context after verifying a
// signature with k's current (old=false) or previous secret: the key, the
// generation of that secret, and the grant it checked.
func edgeCaller(ctx context.Context, k model.AccessKey, old bool, need model.Grant) context.Context {
	return model.WithCaller(ctx, model.Caller{Key: k.ID, SecretGen: k.SecretGenOf(old)}, need)
}

// repoOnEveryReplica reports, once every replica applied the same index,
// whether each one holds default/name (stale reads: each replica's own
// state, so a command one replica refused and another applied shows).
func repoOnEveryReplica(t *testing.T, c *raftmetatest.Cluster, name string) []bool {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	if _, err := c.Converged(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	var out []bool
	for _, id := range c.Running() {
		_, err := c.Meta(id).GetRepo(raftmeta.WithStale(ctx), model.DefaultContext, name)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("%s: get repo %s: %v", id, name, err)
		}
		out = append(out, err == nil)
	}
	return out
}

func wantOnReplicas(t *testing.T, c *raftmetatest.Cluster, name string, want bool) {
	t.Helper()
	for i, has := range repoOnEveryReplica(t, c, name) {
		if has != want {
			t.Fatalf("repo %s on replica %d: %v, want %v", name, i+1, has, want)
		}
	}
}

// The race the jepsen keys workload found, made deterministic: the edge
// verified a request with the key as its (lagging) node had it, then the
// key was deleted, rotated or downgraded, and only then was the write
// proposed. The state machine refuses it on every replica; writes of an
// unchanged key, and of a rotated key's old secret within its grace,
// apply. Writes are proposed through a follower (forwarded to the leader).
func TestStampedWriteRefusedAfterRevocation(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	root := rootKey
	c := raftmetatest.New(t, 3, raftmetatest.Options{RootKey: &root, Clock: clk.Now})
	leader := waitReady(t, c)
	ctx := testCtx(t, 90*time.Second)
	m := c.Meta(follower(t, c, leader))
	if _, err := m.CreateUser(ctx, model.User{Name: "pipe"}); err != nil {
		t.Fatal(err)
	}
	admin := model.Grant{Scope: "default/*", Permission: model.PermAdmin}
	mk := func(id string) model.AccessKey {
		t.Helper()
		k, err := m.CreateKey(ctx, model.AccessKey{ID: id, Secret: "secret-of-" + id + "-0123456789", User: "pipe",
			Grants: map[string]model.Permission{admin.Scope: admin.Permission}})
		if err != nil {
			t.Fatal(err)
		}
		// The edge's view: the key as read from Raft (generations included).
		if k, err = m.GetAccessKey(ctx, id); err != nil || k.SecretGen == 0 {
			t.Fatalf("get key %s: %+v %v", id, k, err)
		}
		return k
	}
	create := func(cctx context.Context, name string) error {
		_, err := m.CreateRepo(cctx, model.Repo{Context: model.DefaultContext, Name: name, Description: "d"})
		return err
	}

	steady := mk("KSTEADY")
	if err := create(edgeCaller(ctx, steady, false, admin), "steady"); err != nil {
		t.Fatalf("unchanged key: %v", err)
	}
	wantOnReplicas(t, c, "steady", true)

	deleted := mk("KDELETED")
	if err := m.DeleteKey(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}
	err := create(edgeCaller(ctx, deleted, false, admin), "after-delete")
	if !errors.Is(err, raftmeta.ErrKeyRevoked) || !errors.Is(err, model.ErrPermission) {
		t.Fatalf("write with a deleted key: %v, want ErrKeyRevoked (model.ErrPermission)", err)
	}
	wantOnReplicas(t, c, "after-delete", false)

	// Deleted and created again under the same ID: a new secret generation,
	// so a request signed with the old incarnation's secret stays refused.
	again := mk("KDELETED")
	if again.SecretGen == deleted.SecretGen {
		t.Fatalf("re-created key kept generation %d", again.SecretGen)
	}
	if err := create(edgeCaller(ctx, deleted, false, admin), "recreated-old"); !errors.Is(err, raftmeta.ErrKeyRevoked) {
		t.Fatalf("write signed by a deleted incarnation: %v", err)
	}
	if err := create(edgeCaller(ctx, again, false, admin), "recreated-new"); err != nil {
		t.Fatalf("write of the new incarnation: %v", err)
	}
	wantOnReplicas(t, c, "recreated-old", false)
	wantOnReplicas(t, c, "recreated-new", true)

	down := mk("KDOWN")
	if _, err := m.AddGrant(ctx, down.ID, admin.Scope, model.PermRead); err != nil {
		t.Fatal(err)
	}
	err = create(edgeCaller(ctx, down, false, admin), "after-downgrade")
	if !errors.Is(err, raftmeta.ErrForbidden) || !errors.Is(err, model.ErrPermission) {
		t.Fatalf("write after a downgrade: %v, want ErrForbidden", err)
	}
	wantOnReplicas(t, c, "after-downgrade", false)
	// A grant the downgrade left in place still authorises what it covers.
	if err := create(edgeCaller(ctx, down, false, model.Grant{Scope: "default/x", Permission: model.PermRead}), "read-need"); err != nil {
		t.Fatalf("need still held: %v", err)
	}

	// Rotation without grace: the old secret is revoked at once.
	nograce := mk("KNOGRACE")
	if _, err := m.RotateKey(ctx, nograce.ID, "new-secret-0123456789-ab", 0); err != nil {
		t.Fatal(err)
	}
	if err := create(edgeCaller(ctx, nograce, false, admin), "rotated-away"); !errors.Is(err, raftmeta.ErrKeyRevoked) {
		t.Fatalf("write signed with a secret rotated away: %v", err)
	}
	wantOnReplicas(t, c, "rotated-away", false)

	// Rotation with grace: the old secret (current when signed, or
	// already old) writes until the grace ends, then it is refused.
	grace := mk("KGRACE")
	if _, err := m.RotateKey(ctx, grace.ID, "new-secret-0123456789-cd", time.Hour); err != nil {
		t.Fatal(err)
	}
	rotated, err := m.GetAccessKey(ctx, grace.ID)
	if err != nil || rotated.OldSecretGen != grace.SecretGen {
		t.Fatalf("rotated key: %+v %v", rotated, err)
	}
	if err := create(edgeCaller(ctx, grace, false, admin), "in-grace-1"); err != nil {
		t.Fatalf("signed before the rotation, in grace: %v", err)
	}
	if err := create(edgeCaller(ctx, rotated, true, admin), "in-grace-2"); err != nil {
		t.Fatalf("old secret in grace: %v", err)
	}
	if err := create(edgeCaller(ctx, rotated, false, admin), "new-secret"); err != nil {
		t.Fatalf("new secret: %v", err)
	}
	clk.Add(2 * time.Hour)
	if err := create(edgeCaller(ctx, rotated, true, admin), "past-grace"); !errors.Is(err, raftmeta.ErrKeyRevoked) {
		t.Fatalf("old secret past its grace: %v", err)
	}
	for name, want := range map[string]bool{"in-grace-1": true, "in-grace-2": true, "new-secret": true, "past-grace": false} {
		wantOnReplicas(t, c, name, want)
	}

	// A write without a caller (system work, JWT callers) is not stamped.
	if err := create(ctx, "unstamped"); err != nil {
		t.Fatal(err)
	}
	// A request that recorded more grants than a stamp carries is refused
	// before anything reaches the log.
	many := edgeCaller(ctx, steady, false, admin)
	for i := range model.MaxCallerNeeds {
		model.Need(many, model.Grant{Scope: fmt.Sprintf("default/r%d", i), Permission: model.PermRead})
	}
	if err := create(many, "too-many-needs"); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("over-long stamp: %v", err)
	}
}
