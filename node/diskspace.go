package node

import (
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/datamon-io/datamon/diskguard"
	"github.com/datamon-io/datamon/shard"
)

// Disk space: every Pebble store of the node (shards, Raft log, metadata
// FSM) runs on the disk guard's filesystem, so a write that finds the disk
// full releases the ballast instead of crashing the node; shard writes
// (client data and repairs) go through guardedStore and are refused with a
// clear ENOSPC error (peer: 507 no-space) while the guard is low.

// openGuard starts the disk guard on the data dir and returns the
// filesystem the stores must use.
func (n *Node) openGuard() (vfs.FS, error) {
	g, err := diskguard.Open(vfs.Default, diskguard.Config{
		Dir: n.cfg.DataDir, BallastBytes: n.cfg.BallastBytes,
		Logger: n.log.With("component", "diskguard"),
	})
	if err != nil {
		return nil, fmt.Errorf("node: disk guard: %w", err)
	}
	n.guard = g
	n.onClose(g.Close)
	return g.FS(vfs.Default), nil
}

// guardedStore is the shard store with writes admitted by the disk guard.
// Deletes always pass: they free space.
type guardedStore struct {
	*shard.Store
	g *diskguard.Guard
}

func (s guardedStore) Put(ctx context.Context, k shard.Key, b []byte) error {
	if err := s.g.Admit(len(b)); err != nil {
		return fmt.Errorf("shard: put %s: %w", k, err)
	}
	return s.Store.Put(ctx, k, b)
}

func (s guardedStore) PutBatch(ctx context.Context, keys []shard.Key, shards [][]byte) error {
	size := 0
	for _, b := range shards {
		size += len(b)
	}
	if err := s.g.Admit(size); err != nil {
		return fmt.Errorf("shard: put batch of %d: %w", len(keys), err)
	}
	return s.Store.PutBatch(ctx, keys, shards)
}

// store is the shard store as every writer must see it.
func (n *Node) store() guardedStore { return guardedStore{Store: n.shards, g: n.guard} }
