package raftmeta_test

import (
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// The error-injecting filesystem (Pebble's errorfs) answers every read of a
// follower's FSM tables with EIO while it starts, as a disk with bad
// sectors does: the node does not crash, moves the FSM aside, rebuilds it
// from the snapshot and log, refuses metadata meanwhile, and ends with the
// same state hash as the others. Before: the FSM read failed through
// Pebble's Fatalf (a panic) or the start failed.
func TestEIOOnFSMTablesRebuilds(t *testing.T) {
	var eio atomic.Pointer[string] // node whose FSM tables fail
	opts := raftmetatest.Options{WrapFS: func(id string, fs vfs.FS) vfs.FS {
		return errorfs.Wrap(fs, errorfs.InjectorFunc(func(op errorfs.Op) error {
			if n := eio.Load(); n != nil && *n == id && strings.HasPrefix(op.Path, raftmetatest.DirFSM+"/") &&
				strings.HasSuffix(op.Path, ".sst") && (op.Kind == errorfs.OpFileRead || op.Kind == errorfs.OpFileReadAt) {
				return syscall.EIO
			}
			return nil
		}))
	}}
	c, f, ctx := damageCluster(t, opts)
	eio.Store(&f)
	restartIsolated(t, c, ctx, f, raftmeta.StoreFSM)
	eio.Store(nil) // the disk reads again (the quarantined tables are no longer used)
	st, err := c.Meta(f).Status(ctx)
	if err != nil || !slices.Contains(st.Damaged, raftmeta.StoreFSM) {
		t.Fatalf("status %+v, %v", st, err)
	}
	healAndConverge(t, c, ctx, f)
}
