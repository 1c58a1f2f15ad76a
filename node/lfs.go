package node

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/lfs"
	"github.com/datamon-io/datamon/raftmeta"
)

// mountLFS serves the Git LFS API under /lfs/ on the public API port
// (issue 16). Transfer hrefs are signed with a key derived from the
// cluster secret, so any node accepts those another node handed out.
func (n *Node) mountLFS(srv *api.Server) error {
	key, err := lfs.DeriveHrefKey(string(n.cfg.Secret))
	if err != nil {
		return fmt.Errorf("node: lfs: %w", err)
	}
	cfg := lfs.DefaultConfig()
	cfg.HrefKey = key
	if n.cfg.LFSHrefTTL > 0 {
		cfg.HrefTTL = n.cfg.LFSHrefTTL
	}
	cfg.Stale, cfg.Unavailable, cfg.Now = raftmeta.WithStale, unavailable, n.clock
	cfg.Logger = n.log.With("component", "lfs")
	l, err := lfs.New(cfg, servingMeta{n.meta}, n.chunks, srv)
	if err != nil {
		return fmt.Errorf("node: lfs: %w", err)
	}
	srv.Mount(lfs.Prefix, l.Handler())
	return nil
}

// VisitLiveChunks marks the chunks of every Git LFS object live for the
// cluster GC and fsck (durability.LiveRoots).
func (a durMeta) VisitLiveChunks(ctx context.Context, visit func(owner string, id chunk.ID)) error {
	return a.m.VisitLFSObjects(ctx, func(c, r string, o model.LFSObject) error {
		name := "lfs:" + c + "/" + r + "/" + o.OID
		for _, ch := range o.Chunks {
			visit(name, ch.ID)
		}
		return nil
	})
}
