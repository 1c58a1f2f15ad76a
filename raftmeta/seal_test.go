package raftmeta_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// scan returns, per needle, the files of every node that contain it.
func scan(t *testing.T, c *raftmetatest.Cluster, needles ...string) (map[string][]string, int) {
	t.Helper()
	hits := map[string][]string{}
	files := 0
	for _, id := range c.IDs() {
		err := c.WalkFiles(id, func(name string, data []byte) error {
			files++
			for _, n := range needles {
				if bytes.Contains(data, []byte(n)) {
					hits[n] = append(hits[n], id+":"+name)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return hits, files
}

// TestSecretsSealedAtRest: after keys are created (the bootstrap root key
// too), rotated with a grace period and snapshotted, no file of any node
// (raft log, FSM WAL and sstables, snapshots) holds a secret in plaintext,
// while the same scan finds the key IDs, which are stored plainly.
func TestSecretsSealedAtRest(t *testing.T) {
	root := rootKey
	c := raftmetatest.New(t, 3, raftmetatest.Options{RootKey: &root, SnapshotThreshold: 8, TrailingLogs: 4})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader))
	if _, err := m.CreateUser(ctx, model.User{Name: "pipeline", Email: "ci@example.com"}); err != nil {
		t.Fatal(err)
	}
	secrets := []string{root.Secret}
	var ids []string
	for i := range 4 {
		id, s := fmt.Sprintf("PIPEKEYID%02d", i), fmt.Sprintf("pipeline-secret-%02d-xyzzy", i)
		if _, err := m.CreateKey(ctx, model.AccessKey{ID: id, Secret: s, User: "pipeline",
			Grants: map[string]model.Permission{"default/*": model.PermWrite}}); err != nil {
			t.Fatal(err)
		}
		ns := fmt.Sprintf("pipeline-rotated-%02d-plugh", i)
		if _, err := m.RotateKey(ctx, id, ns, time.Hour); err != nil { // s stays as the old secret
			t.Fatal(err)
		}
		secrets, ids = append(secrets, s, ns), append(ids, id)
	}
	// legacy PutAccessKey path too
	if err := m.PutAccessKey(ctx, model.AccessKey{ID: "PUTKEYID", Secret: "put-access-key-secret-42", User: "pipeline"}); err != nil {
		t.Fatal(err)
	}
	secrets, ids = append(secrets, "put-access-key-secret-42"), append(ids, "PUTKEYID", root.ID)
	for _, id := range c.IDs() { // secrets still usable everywhere
		a, err := c.Meta(id).GetAccessKey(ctx, "PIPEKEYID00")
		if err != nil || a.Secret != "pipeline-rotated-00-plugh" || a.OldSecret != "pipeline-secret-00-xyzzy" {
			t.Fatalf("%s: %+v %v", id, a, err)
		}
	}
	// enough writes for every node to snapshot and compact its log
	mkRepo(t, ctx, m, "filler")
	for i := range 20 {
		commit(t, ctx, m, "filler", fmt.Sprintf("c%d", i))
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	err := raftmetatest.WaitFor(10*time.Second, func() error {
		for _, id := range c.IDs() {
			snap := false
			_ = c.WalkFiles(id, func(name string, _ []byte) error {
				snap = snap || strings.HasPrefix(name, "snapshots/")
				return nil
			})
			if !snap {
				return fmt.Errorf("%s has no snapshot yet", id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hits, files := scan(t, c, append(append([]string{raftmeta.SealPrefix}, secrets...), ids...)...)
	if files < 3*3 {
		t.Fatalf("scanned only %d files", files)
	}
	for _, s := range secrets {
		if len(hits[s]) > 0 {
			t.Errorf("plaintext secret %q found in %v", s, hits[s])
		}
	}
	// The scan sees the stored state: every key ID (stored plainly) and
	// sealed values are found, on every node, in the log, FSM and snapshot.
	for _, id := range ids {
		if len(hits[id]) == 0 {
			t.Errorf("key id %q not found by the scan: the scan is blind", id)
		}
	}
	where := strings.Join(hits[raftmeta.SealPrefix], " ")
	for _, part := range []string{"raft/", "fsm/", "snapshots/"} {
		if !strings.Contains(where, part) {
			t.Errorf("no sealed secret under %s: %s", part, where)
		}
	}
}

// TestLegacyPlaintextKeysResealed: a key stored in plaintext by a version
// before sealing stays usable, and a leader of this version re-seals it in
// the FSM (after the restart an upgrade is).
func TestLegacyPlaintextKeysResealed(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	legacy := model.AccessKey{ID: "OLDKEY", Secret: "legacy-plaintext-secret", Grants: map[string]model.Permission{"default/*": model.PermRead}}
	if err := raftmeta.ApplyPlainKey(ctx, c.Meta(leader), legacy); err != nil {
		t.Fatal(err)
	}
	if k, _, err := raftmeta.StoredKey(c.Meta(leader), "OLDKEY"); err != nil || k.Secret != legacy.Secret {
		t.Fatalf("setup: stored %+v %v", k, err)
	}
	if a, err := c.Meta(leader).GetAccessKey(ctx, "OLDKEY"); err != nil || a.Secret != legacy.Secret {
		t.Fatalf("legacy key unreadable: %+v %v", a, err)
	}
	for _, id := range c.IDs() { // the upgrade: every node restarts on the new version
		c.Stop(id)
		c.Restart(id)
	}
	waitReady(t, c)
	err := raftmetatest.WaitFor(15*time.Second, func() error {
		for _, id := range c.Running() {
			k, ok, err := raftmeta.StoredKey(c.Meta(id), "OLDKEY")
			if err != nil || !ok || !strings.HasPrefix(k.Secret, raftmeta.SealPrefix) {
				return fmt.Errorf("%s: stored %q %v %v", id, k.Secret, ok, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range c.Running() {
		a, err := c.Meta(id).GetAccessKey(raftmeta.WithStale(context.Background()), "OLDKEY")
		if err != nil || a.Secret != legacy.Secret || a.Grants["default/*"] != model.PermRead {
			t.Fatalf("%s after re-seal: %+v %v", id, a, err)
		}
	}
	// A rotation of a legacy key keeps a sealed copy as the old secret.
	rot, err := c.Meta(leader).RotateKey(ctx, "OLDKEY", "new-secret-after-upgrade", time.Hour)
	if err != nil || rot.Secret != "new-secret-after-upgrade" {
		t.Fatal(rot, err)
	}
	if a, err := c.Meta(leader).GetAccessKey(ctx, "OLDKEY"); err != nil || a.OldSecret != legacy.Secret {
		t.Fatalf("old secret after rotating a legacy key: %+v %v", a, err)
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// A cluster secret of another cluster cannot open sealed secrets.
func TestSealedSecretNeedsClusterSecret(t *testing.T) {
	root := rootKey
	c := raftmetatest.New(t, 1, raftmetatest.Options{RootKey: &root})
	waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	m := c.Meta(c.IDs()[0])
	k, _, err := raftmeta.StoredKey(m, root.ID)
	if err != nil || !strings.HasPrefix(k.Secret, raftmeta.SealPrefix) {
		t.Fatalf("bootstrap root key stored as %q (%v)", k.Secret, err)
	}
	if a, err := m.GetAccessKey(ctx, root.ID); err != nil || a.Secret != root.Secret {
		t.Fatalf("open: %+v %v", a, err)
	}
	if err := raftmeta.OpenWith([]byte("another cluster's secret!!"), root.ID, k.Secret); err == nil {
		t.Fatal("sealed secret opened with another cluster secret")
	}
	if err := raftmeta.OpenWith([]byte(raftmetatest.DefaultSecret), "OTHERKEY", k.Secret); err == nil {
		t.Fatal("sealed secret of one key opened as another key's")
	}
}
