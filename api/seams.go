package api

import (
	"context"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// ContextStore is the context part of raftmeta.Meta.
type ContextStore interface {
	CreateContext(ctx context.Context, c model.Context) (model.Context, error)
	GetContext(ctx context.Context, name string) (model.Context, error)
	ListContexts(ctx context.Context) ([]model.Context, error)
}

// RepoStore is the repo part of raftmeta.Meta.
type RepoStore interface {
	CreateRepo(ctx context.Context, r model.Repo) (model.Repo, error)
	GetRepo(ctx context.Context, context, name string) (model.Repo, error)
	ListRepos(ctx context.Context, context string) ([]model.Repo, error)
	DeleteRepo(ctx context.Context, context, name string) error
}

// BundleStore is the bundle part of raftmeta.Meta.
type BundleStore interface {
	CommitBundle(ctx context.Context, b model.Bundle, label *model.LabelSet) (model.Bundle, error)
	GetBundle(ctx context.Context, context, repo, id string) (model.Bundle, error)
	ListBundles(ctx context.Context, context, repo string) ([]model.Bundle, error)
	LatestBundle(ctx context.Context, context, repo string) (model.Bundle, error)
}

// LabelStore is the label part of raftmeta.Meta.
type LabelStore interface {
	SetLabel(ctx context.Context, s model.LabelSet) (model.Label, error)
	GetLabel(ctx context.Context, context, repo, name string) (model.Label, error)
	ListLabels(ctx context.Context, context, repo, prefix string) ([]model.Label, error)
	LabelHistory(ctx context.Context, context, repo, name string) ([]model.LabelMove, error)
}

// KeyStore looks up access keys (called on a stale context).
type KeyStore interface {
	GetAccessKey(ctx context.Context, id string) (model.AccessKey, error)
}

// NodeRemover removes a node from the raft configuration and the layout.
type NodeRemover interface {
	RemoveNode(ctx context.Context, id string) error
}

// Meta is everything the API needs from raftmeta.Meta.
type Meta interface {
	ContextStore
	RepoStore
	BundleStore
	LabelStore
	KeyStore
	NodeRemover
}

// Chunks is what the API needs from cas.Service.
type Chunks interface {
	Put(ctx context.Context, data []byte) (chunk.ID, error)
	Get(ctx context.Context, id chunk.ID) ([]byte, error)
	Has(ctx context.Context, ids []chunk.ID) ([]bool, error)
}

// Cluster is the node's view of membership, raft status and metrics.
type Cluster interface {
	// Members is the gossip view.
	Members() []MemberInfo
	// MetaStatus reports this node's raft state.
	MetaStatus(ctx context.Context) (MetaStatus, error)
	// Metrics are extra counters/gauges exported on /metrics, by metric name
	// (e.g. "datamon_cas_put_total"). Names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
	Metrics() map[string]float64
}

// MemberInfo is one cluster member as the API reports it.
type MemberInfo struct {
	ID       string `json:"id"`
	Site     string `json:"site"`
	Addr     string `json:"addr"`
	State    string `json:"state"` // alive, suspect, dead, left
	Capacity uint64 `json:"capacity"`
	APIAddr  string `json:"api_addr,omitempty"`
	S3Addr   string `json:"s3_addr,omitempty"`
	// Raft is the member's role in the Raft group: "voter", "non-voter",
	// or empty when it is not in the group (or the answering node could
	// not read the configuration).
	Raft string `json:"raft,omitempty"`
}

// MetaStatus is raftmeta's status as the API reports it.
type MetaStatus struct {
	NodeID        string   `json:"node_id"`
	State         string   `json:"state"` // Leader, Follower, Candidate, ...
	LeaderID      string   `json:"leader_id"`
	LeaderAddr    string   `json:"leader_addr"`
	Term          uint64   `json:"term"`
	CommitIndex   uint64   `json:"commit_index"`
	AppliedIndex  uint64   `json:"applied_index"`
	Voters        []string `json:"voters"`
	NonVoters     []string `json:"nonvoters"`
	LayoutVersion uint64   `json:"layout_version"`
	// StateHash is a hash of this node's applied metadata state: equal on
	// every node once they have applied the same log (convergence checks).
	StateHash string `json:"state_hash,omitempty"`
	// ShardWrites is this node's shard-write state: "accepted", or
	// "refused: low disk space (…)" while its disk is (nearly) full.
	ShardWrites string `json:"shard_writes,omitempty"`
	// Metadata is this node's metadata state: "serving", or "refused: …"
	// while it recovers from a damaged raft log, stable store or FSM
	// (reads and writes on it answer 503 Unavailable meanwhile).
	Metadata string `json:"metadata,omitempty"`
}
