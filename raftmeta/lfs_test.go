package raftmeta_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

func lfsObject(data string) model.LFSObject {
	h := sha256.Sum256([]byte(data))
	return model.LFSObject{OID: hex.EncodeToString(h[:]), Size: int64(len(data)),
		Chunks: []model.LFSChunk{{ID: chunk.Sum([]byte(data)), Size: uint32(len(data))}}}
}

// LFS objects and locks: put is idempotent, bad input changes nothing,
// locks are exclusive per path and owned, every replica converges, and
// rename/delete of the repo carry the LFS state along.
func TestLFSObjectsAndLocks(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader))
	d := model.DefaultContext
	mkRepo(t, ctx, m, "games")
	a := lfsObject("hello")
	got, err := m.PutLFSObject(ctx, d, "games", a)
	if err != nil || got.Created.IsZero() || got.OID != a.OID {
		t.Fatalf("put: %+v %v", got, err)
	}
	again, err := m.PutLFSObject(ctx, d, "games", a)
	if err != nil || !again.Created.Equal(got.Created) {
		t.Fatalf("idempotent put: %+v %v", again, err)
	}
	bad := []model.LFSObject{
		{OID: "ABC", Size: 5, Chunks: a.Chunks},             // malformed OID
		{OID: a.OID, Size: 6, Chunks: a.Chunks},             // size != chunks
		{OID: lfsObject("x").OID, Size: -1},                 // negative
		{OID: a.OID, Size: 0, Chunks: []model.LFSChunk{{}}}, // empty chunk
	}
	for _, o := range bad {
		if _, err := m.PutLFSObject(ctx, d, "games", o); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("put %+v: %v, want ErrInvalid", o, err)
		}
	}
	if _, err := m.PutLFSObject(ctx, d, "nope", a); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown repo: %v", err)
	}
	other := a
	other.Size, other.Chunks = 10, []model.LFSChunk{{ID: chunk.Sum([]byte("0123456789")), Size: 10}}
	if _, err := m.PutLFSObject(ctx, d, "games", other); !errors.Is(err, model.ErrExists) {
		t.Errorf("same OID, other size: %v", err)
	}
	if _, err := m.GetLFSObject(ctx, d, "games", lfsObject("missing").OID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("missing object: %v", err)
	}

	l1, err := m.CreateLFSLock(ctx, d, "games", model.LFSLock{Path: "a/b.bin", Owner: "ann"})
	if err != nil || l1.ID == "" || l1.LockedAt.IsZero() {
		t.Fatalf("lock: %+v %v", l1, err)
	}
	if _, err := m.CreateLFSLock(ctx, d, "games", model.LFSLock{Path: "a/b.bin", Owner: "bob"}); !errors.Is(err, model.ErrExists) {
		t.Errorf("second lock on a path: %v", err)
	}
	for _, p := range []string{"", "/abs", "a/../b", "a//b", "x\x00y"} {
		if _, err := m.CreateLFSLock(ctx, d, "games", model.LFSLock{Path: p, Owner: "bob"}); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("lock path %q: %v", p, err)
		}
	}
	l2, err := m.CreateLFSLock(ctx, d, "games", model.LFSLock{Path: "c.bin", Owner: "bob"})
	if err != nil || l2.ID <= l1.ID {
		t.Fatalf("lock 2: %+v %v", l2, err)
	}
	if _, err := m.DeleteLFSLock(ctx, d, "games", l1.ID, "bob", false); !errors.Is(err, model.ErrPermission) {
		t.Errorf("unlock someone else's: %v", err)
	}
	page, err := m.ListLFSLocks(ctx, d, "games", "", 1)
	if err != nil || len(page) != 1 || page[0].ID != l1.ID {
		t.Fatalf("page 1: %+v %v", page, err)
	}
	page, err = m.ListLFSLocks(ctx, d, "games", page[0].ID, 1)
	if err != nil || len(page) != 1 || page[0].ID != l2.ID {
		t.Fatalf("page 2: %+v %v", page, err)
	}
	if byPath, err := m.LFSLockByPath(ctx, d, "games", "c.bin"); err != nil || byPath.ID != l2.ID {
		t.Fatalf("by path: %+v %v", byPath, err)
	}
	if _, err := m.DeleteLFSLock(ctx, d, "games", l1.ID, "bob", true); err != nil {
		t.Errorf("force unlock: %v", err)
	}
	if _, err := m.CreateLFSLock(ctx, d, "games", model.LFSLock{Path: "a/b.bin", Owner: "bob"}); err != nil {
		t.Errorf("relock after unlock: %v", err)
	}

	// Delete: only objects created before the cutoff.
	b, _ := m.PutLFSObject(ctx, d, "games", lfsObject("second"))
	n, err := m.DeleteLFSObjects(ctx, d, "games", []string{a.OID, b.OID}, b.Created)
	if err != nil || n != 1 {
		t.Fatalf("delete before: %d %v", n, err)
	}
	objs, err := m.ListLFSObjects(ctx, d, "games", "", 0)
	if err != nil || len(objs) != 1 || objs[0].OID != b.OID {
		t.Fatalf("after delete: %+v %v", objs, err)
	}
	if _, err := m.DeleteLFSObjects(ctx, d, "games", []string{"zz"}, time.Time{}); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("delete bad OID: %v", err)
	}

	// Rename carries objects and locks; delete removes them.
	if _, err := m.RenameRepo(ctx, d, "games", "games2"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.GetLFSObject(ctx, d, "games2", b.OID); err != nil {
		t.Errorf("object after rename: %v", err)
	}
	if l, err := m.LFSLockByPath(ctx, d, "games2", "c.bin"); err != nil || l.Owner != "bob" {
		t.Errorf("lock after rename: %+v %v", l, err)
	}
	visited := 0
	if err := m.VisitLFSObjects(ctx, func(cx, repo string, o model.LFSObject) error {
		if cx != d || repo != "games2" {
			t.Errorf("visit %s/%s", cx, repo)
		}
		visited++
		return nil
	}); err != nil || visited != 1 {
		t.Errorf("visit: %d %v", visited, err)
	}
	if err := m.DeleteRepo(ctx, d, "games2"); err != nil {
		t.Fatal(err)
	}
	mkRepo(t, ctx, m, "games2")
	if objs, err := m.ListLFSObjects(ctx, d, "games2", "", 0); err != nil || len(objs) != 0 {
		t.Errorf("recreated repo has LFS objects: %+v %v", objs, err)
	}
	if ls, err := m.ListLFSLocks(ctx, d, "games2", "", 0); err != nil || len(ls) != 0 {
		t.Errorf("recreated repo has locks: %+v %v", ls, err)
	}
	if _, err := c.Converged(ctx, 20*time.Second); err != nil {
		t.Fatalf("replicas diverge: %v", err)
	}
}
