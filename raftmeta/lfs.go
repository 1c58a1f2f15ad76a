package raftmeta

import (
	"context"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Git LFS operations (issue 16). Values are part of the log format.
const (
	opLFSPutObject     = "lfs_put_object"     // LFS: Context, Repo, Object
	opLFSDeleteObjects = "lfs_delete_objects" // LFS: Context, Repo, OIDs, Before
	opLFSLock          = "lfs_lock"           // LFS: Context, Repo, Lock
	opLFSUnlock        = "lfs_unlock"         // LFS: Context, Repo, LockID, Owner, Force
)

// MaxLFSDelete bounds the OIDs of one lfs_delete_objects command.
const MaxLFSDelete = 1000

func init() {
	for _, op := range []string{opLFSPutObject, opLFSDeleteObjects, opLFSLock, opLFSUnlock} {
		knownOps[op] = true
	}
}

// lfsCmd is the payload of the LFS ops.
type lfsCmd struct {
	Context string           `json:"context"`
	Repo    string           `json:"repo"`
	Object  *model.LFSObject `json:"object,omitempty"`
	OIDs    []string         `json:"oids,omitempty"`
	Before  int64            `json:"before,omitempty"` // unix ns: delete only objects created before
	Lock    *model.LFSLock   `json:"lock,omitempty"`
	LockID  string           `json:"lock_id,omitempty"`
	Owner   string           `json:"owner,omitempty"`
	Force   bool             `json:"force,omitempty"`
}

// validate checks the payload of op (on submit and again on apply).
func (c *lfsCmd) validate(op string) error {
	if c == nil {
		return fmt.Errorf("%w: %s without payload", ErrBadCommand, op)
	}
	if err := validateRef(c.Context, c.Repo); err != nil {
		return err
	}
	switch op {
	case opLFSPutObject:
		if c.Object == nil {
			return fmt.Errorf("%w: %s without object", ErrBadCommand, op)
		}
		return model.ValidateLFSObject(*c.Object)
	case opLFSDeleteObjects:
		if len(c.OIDs) == 0 || len(c.OIDs) > MaxLFSDelete {
			return fmt.Errorf("%w: delete of %d LFS objects (1 to %d)", model.ErrInvalid, len(c.OIDs), MaxLFSDelete)
		}
		for _, o := range c.OIDs {
			if !model.ValidLFSOID(o) {
				return fmt.Errorf("%w: LFS OID %q", model.ErrInvalid, o)
			}
		}
	case opLFSLock:
		if c.Lock == nil {
			return fmt.Errorf("%w: %s without lock", ErrBadCommand, op)
		}
		return model.ValidateLFSLock(*c.Lock)
	case opLFSUnlock:
		if c.LockID == "" || len(c.LockID) > 64 || (c.Owner == "" && !c.Force) {
			return fmt.Errorf("%w: unlock needs a lock ID and an owner (or force)", model.ErrInvalid)
		}
	}
	return nil
}

func isLFSOp(op string) bool {
	switch op {
	case opLFSPutObject, opLFSDeleteObjects, opLFSLock, opLFSUnlock:
		return true
	}
	return false
}

// execLFS applies an LFS op; ok is false for other ops.
func (tx *txn) execLFS(c *command) (out []byte, ok bool, err error) {
	if !isLFSOp(c.Op) {
		return nil, false, nil
	}
	if err := c.LFS.validate(c.Op); err != nil {
		return nil, true, err
	}
	if err := tx.requireRepo(c.LFS.Context, c.LFS.Repo); err != nil {
		return nil, true, err
	}
	switch c.Op {
	case opLFSPutObject:
		out, err = tx.lfsPutObject(c.LFS)
	case opLFSDeleteObjects:
		out, err = tx.lfsDeleteObjects(c.LFS)
	case opLFSLock:
		out, err = tx.lfsLock(c.LFS)
	case opLFSUnlock:
		out, err = tx.lfsUnlock(c.LFS)
	}
	return out, true, err
}

// lfsPutObject makes an object visible. An object already present with the
// same size is kept as it is (its chunks hold the same bytes): retried
// uploads are idempotent.
func (tx *txn) lfsPutObject(c *lfsCmd) ([]byte, error) {
	o := *c.Object
	key := lfsObjectKey(c.Context, c.Repo, o.OID)
	var cur model.LFSObject
	found, err := getJSON(tx.b, key, &cur)
	if err != nil {
		return nil, err
	}
	if found {
		if cur.Size != o.Size {
			return nil, fmt.Errorf("%w: LFS object %s exists with size %d, not %d", model.ErrExists, o.OID, cur.Size, o.Size)
		}
		return mustJSON(cur), nil
	}
	o.Created = tx.now
	return tx.putJSON(key, o), nil
}

// lfsDeleteObjects removes objects created before c.Before (all when 0)
// and returns how many it removed. Absent OIDs are skipped.
func (tx *txn) lfsDeleteObjects(c *lfsCmd) ([]byte, error) {
	n := 0
	for _, oid := range c.OIDs {
		key := lfsObjectKey(c.Context, c.Repo, oid)
		var cur model.LFSObject
		found, err := getJSON(tx.b, key, &cur)
		if err != nil {
			return nil, err
		}
		if !found || (c.Before != 0 && !cur.Created.Before(time.Unix(0, c.Before))) {
			continue
		}
		_ = tx.b.Delete(key, nil)
		n++
	}
	return mustJSON(n), nil
}

// lfsLock creates a lock on a free path; its ID is the log index (16 hex
// digits, so IDs sort in creation order). A locked path: model.ErrExists.
func (tx *txn) lfsLock(c *lfsCmd) ([]byte, error) {
	l := *c.Lock
	pk := lfsLockPathKey(c.Context, c.Repo, l.Path)
	var id string
	found, err := getJSON(tx.b, pk, &id)
	if err != nil {
		return nil, err
	}
	if found {
		return nil, fmt.Errorf("%w: %s is locked (lock %s)", model.ErrExists, l.Path, id)
	}
	l.ID = fmt.Sprintf("%016x", tx.index)
	l.LockedAt = tx.now
	tx.putJSON(pk, l.ID)
	return tx.putJSON(lfsLockKey(c.Context, c.Repo, l.ID), l), nil
}

// lfsUnlock deletes a lock held by c.Owner, or anyone's with c.Force (the
// caller checked the admin grant). Someone else's lock: model.ErrPermission.
func (tx *txn) lfsUnlock(c *lfsCmd) ([]byte, error) {
	key := lfsLockKey(c.Context, c.Repo, c.LockID)
	var l model.LFSLock
	found, err := getJSON(tx.b, key, &l)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: lock %s", model.ErrNotFound, c.LockID)
	}
	if l.Owner != c.Owner && !c.Force {
		return nil, fmt.Errorf("%w: lock %s on %s is held by %s", model.ErrPermission, l.ID, l.Path, l.Owner)
	}
	_ = tx.b.Delete(key, nil)
	_ = tx.b.Delete(lfsLockPathKey(c.Context, c.Repo, l.Path), nil)
	return mustJSON(l), nil
}

// PutLFSObject makes an LFS object visible in context/repo (its chunks must
// be stored and its OID verified first). An object already there with the
// same size is returned unchanged; another size: model.ErrExists.
func (m *Meta) PutLFSObject(ctx context.Context, context, repo string, o model.LFSObject) (model.LFSObject, error) {
	c := &lfsCmd{Context: context, Repo: repo, Object: &o}
	if err := c.validate(opLFSPutObject); err != nil {
		return model.LFSObject{}, err
	}
	return decodeResult[model.LFSObject](m.submit(ctx, &command{Op: opLFSPutObject, LFS: c}))
}

// DeleteLFSObjects removes up to MaxLFSDelete objects created before before
// (zero: regardless of age) and returns how many went. Their chunks stay
// until the cluster GC finds them unreferenced.
func (m *Meta) DeleteLFSObjects(ctx context.Context, context, repo string, oids []string, before time.Time) (int, error) {
	c := &lfsCmd{Context: context, Repo: repo, OIDs: oids}
	if !before.IsZero() {
		c.Before = before.UnixNano()
	}
	if err := c.validate(opLFSDeleteObjects); err != nil {
		return 0, err
	}
	return decodeResult[int](m.submit(ctx, &command{Op: opLFSDeleteObjects, LFS: c}))
}

// CreateLFSLock locks l.Path for l.Owner (model.ErrExists if locked).
func (m *Meta) CreateLFSLock(ctx context.Context, context, repo string, l model.LFSLock) (model.LFSLock, error) {
	c := &lfsCmd{Context: context, Repo: repo, Lock: &l}
	if err := c.validate(opLFSLock); err != nil {
		return model.LFSLock{}, err
	}
	return decodeResult[model.LFSLock](m.submit(ctx, &command{Op: opLFSLock, LFS: c}))
}

// DeleteLFSLock unlocks lock id held by owner, or anyone's with force.
func (m *Meta) DeleteLFSLock(ctx context.Context, context, repo, id, owner string, force bool) (model.LFSLock, error) {
	c := &lfsCmd{Context: context, Repo: repo, LockID: id, Owner: owner, Force: force}
	if err := c.validate(opLFSUnlock); err != nil {
		return model.LFSLock{}, err
	}
	return decodeResult[model.LFSLock](m.submit(ctx, &command{Op: opLFSUnlock, LFS: c}))
}
