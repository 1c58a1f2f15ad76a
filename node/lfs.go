package node

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/lfs"
	"github.com/datamon-io/datamon/membership"
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
	if n.cfg.LFSSpreadTransfers {
		cfg.TransferHost = n.lfsTransferHost
	}
	cfg.Logger = n.log.With("component", "lfs")
	if n.auditLog != nil { // the API's audit log and limiter (accessguard.go)
		cfg.Audit = n.auditLog
	}
	if n.authLimit != nil {
		cfg.AuthLimit = n.authLimit
	}
	l, err := lfs.New(cfg, servingMeta{n.meta}, n.chunks, srv)
	if err != nil {
		return fmt.Errorf("node: lfs: %w", err)
	}
	srv.Mount(lfs.Prefix, l.Handler())
	return nil
}

// lfsTransferHost is the API address of the node that serves the
// transfers of oid (--lfs-spread-transfers): rendezvous hashing over the
// members gossip sees alive, so every node names the same one, objects
// spread over the cluster, and once a node is declared dead its objects
// go to the next one (git-lfs retries a failed transfer with a new batch).
func (n *Node) lfsTransferHost(oid string) string {
	var best string
	var top uint64
	for _, mb := range n.members.Members() {
		self := mb.Meta.ID == n.id.ID
		if mb.Meta.APIAddr == "" || (!self && mb.State != membership.Alive) {
			continue
		}
		h := fnv.New64a()
		_, _ = h.Write([]byte(mb.Meta.ID + "\x00" + oid))
		if s := h.Sum64(); best == "" || s > top {
			best, top = mb.Meta.APIAddr, s
		}
	}
	return best
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
