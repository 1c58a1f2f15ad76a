package raftmeta

import (
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
)

// LFS key space: objects by OID, locks by ID and a path -> lock ID index.
func lfsObjectKey(ctx, repo, oid string) []byte { return join("F", ctx, repo, oid) }
func lfsObjectsPrefix(ctx, repo string) []byte  { return join("F", ctx, repo, "") }
func lfsLockKey(ctx, repo, id string) []byte    { return join("G", ctx, repo, id) }
func lfsLocksPrefix(ctx, repo string) []byte    { return join("G", ctx, repo, "") }
func lfsLockPathKey(ctx, repo, p string) []byte { return join("J", ctx, repo, p) }
func lfsPathsPrefix(ctx, repo string) []byte    { return join("J", ctx, repo, "") }

// lfsRepoPrefixes are every LFS key prefix of a repo (delete, rename).
func lfsRepoPrefixes(ctx, repo string) [][]byte {
	return [][]byte{lfsObjectsPrefix(ctx, repo), lfsLocksPrefix(ctx, repo), lfsPathsPrefix(ctx, repo)}
}

// GetLFSObject returns an object (model.ErrNotFound if the repo has none
// with that OID, or the repo does not exist).
func (m *Meta) GetLFSObject(ctx context.Context, context, repo, oid string) (model.LFSObject, error) {
	if !model.ValidLFSOID(oid) {
		return model.LFSObject{}, fmt.Errorf("%w: LFS OID %q", model.ErrInvalid, oid)
	}
	return get[model.LFSObject](m, ctx, lfsObjectKey(context, repo, oid), "LFS object "+oid)
}

// ListLFSObjects returns up to limit (<= 0: all) objects with OIDs above
// after, in OID order (model.ErrNotFound: repo).
func (m *Meta) ListLFSObjects(ctx context.Context, context, repo, after string, limit int) ([]model.LFSObject, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	if err := m.requireRepoRead(context, repo); err != nil {
		return nil, err
	}
	p := lfsObjectsPrefix(context, repo)
	lower := p
	if after != "" {
		lower = append(lfsObjectKey(context, repo, after), 0)
	}
	return scan[model.LFSObject](m.fsm.db, lower, prefixEnd(p), limit)
}

// GetLFSLock returns lock id (model.ErrNotFound).
func (m *Meta) GetLFSLock(ctx context.Context, context, repo, id string) (model.LFSLock, error) {
	return get[model.LFSLock](m, ctx, lfsLockKey(context, repo, id), "lock "+id)
}

// LFSLockByPath returns the lock on path (model.ErrNotFound if unlocked).
func (m *Meta) LFSLockByPath(ctx context.Context, context, repo, path string) (model.LFSLock, error) {
	id, err := get[string](m, ctx, lfsLockPathKey(context, repo, path), "lock on "+path)
	if err != nil {
		return model.LFSLock{}, err
	}
	return m.GetLFSLock(WithStale(ctx), context, repo, id) // one barrier is enough
}

// ListLFSLocks returns up to limit (<= 0: all) locks with IDs above after,
// oldest first (model.ErrNotFound: repo).
func (m *Meta) ListLFSLocks(ctx context.Context, context, repo, after string, limit int) ([]model.LFSLock, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	if err := m.requireRepoRead(context, repo); err != nil {
		return nil, err
	}
	p := lfsLocksPrefix(context, repo)
	lower := p
	if after != "" {
		lower = append(lfsLockKey(context, repo, after), 0)
	}
	return scan[model.LFSLock](m.fsm.db, lower, prefixEnd(p), limit)
}

// VisitLFSObjects calls fn for every LFS object of every repo (one
// consistent view), e.g. to mark their chunks live before a GC sweep.
func (m *Meta) VisitLFSObjects(ctx context.Context, fn func(context, repo string, o model.LFSObject) error) error {
	if err := m.readBarrier(ctx); err != nil {
		return err
	}
	s := m.fsm.db.NewSnapshot()
	defer s.Close()
	p := []byte("F" + sep)
	it, err := s.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		parts := splitKey(it.Key())
		if len(parts) != 4 {
			return fmt.Errorf("raftmeta: LFS key %q", it.Key())
		}
		var o model.LFSObject
		if err := jsonUnmarshal(it.Value(), &o); err != nil {
			return err
		}
		if err := fn(parts[1], parts[2], o); err != nil {
			return err
		}
	}
	return it.Error()
}

func splitKey(k []byte) []string {
	var out []string
	start := 0
	for i, b := range k {
		if b == 0 {
			out = append(out, string(k[start:i]))
			start = i + 1
		}
	}
	return append(out, string(k[start:]))
}
