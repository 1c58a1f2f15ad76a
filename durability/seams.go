package durability

import (
	"context"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/shard"
)

// Topology: layouts (raftmeta) and liveness (gossip), as for cas.
type Topology interface {
	// Layouts returns the unretired layouts, newest first.
	Layouts() []layout.Layout
	// Alive reports whether the node is currently reachable.
	Alive(layout.NodeID) bool
}

// ShardIO moves shards to and from any node (the local one included).
// PutShard returns once the shard is durable on n.
type ShardIO interface {
	PutShard(ctx context.Context, n layout.NodeID, k shard.Key, b []byte) error
	GetShard(ctx context.Context, n layout.NodeID, k shard.Key) ([]byte, error)
	HasShards(ctx context.Context, n layout.NodeID, keys []shard.Key) ([]bool, error)
}

// Chunks reads whole chunks (cas.Service): reconstructs from any K shards
// under any layout and verifies the chunk ID.
type Chunks interface {
	Get(ctx context.Context, id chunk.ID) ([]byte, error)
}

// Store is the local shard store (*shard.Store).
type Store interface {
	IterateSeq(ctx context.Context, fn func(shard.Key, shard.SeqInfo) error) error
	IterateSeqAfter(ctx context.Context, after *shard.Key, fn func(shard.Key, shard.SeqInfo) error) error
	HighSeq() (uint64, error)
	Get(ctx context.Context, k shard.Key) ([]byte, error)
	Put(ctx context.Context, k shard.Key, b []byte) error
	Delete(ctx context.Context, k shard.Key) error
	Stats() shard.StoreStats
}

// Meta is what the service needs from raftmeta.
type Meta interface {
	ListContexts(ctx context.Context) ([]model.Context, error)
	ListRepos(ctx context.Context, context string) ([]model.Repo, error)
	ListBundles(ctx context.Context, context, repo string) ([]model.Bundle, error)
	// RepairRate is the cluster-wide setting (0: unset).
	RepairRate(ctx context.Context) (uint64, error)
	SetRepairRate(ctx context.Context, bytesPerSec uint64) error
	SetNodeCapacity(ctx context.Context, id string, capacity uint64) error
	// RebalanceReports: node ID -> last layout version it finished.
	RebalanceReports(ctx context.Context) (map[string]uint64, error)
	ReportRebalanced(ctx context.Context, node string, version uint64) error
	RetireLayouts(ctx context.Context, upTo uint64) error
}

// Member is a node as gossip knows it.
type Member struct {
	ID       string
	Site     string
	Capacity uint64
	Alive    bool
}

// Peers reaches the other nodes' durability handlers (see Handlers).
type Peers interface {
	Members() []Member
	Call(ctx context.Context, n layout.NodeID, path string, body []byte) ([]byte, error)
}
