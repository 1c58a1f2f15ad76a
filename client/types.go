package client

import (
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// Member is one cluster member (mirrors api.MemberInfo).
type Member struct {
	ID       string `json:"id"`
	Site     string `json:"site"`
	Addr     string `json:"addr"`
	State    string `json:"state"`
	Capacity uint64 `json:"capacity"`
	APIAddr  string `json:"api_addr,omitempty"`
	S3Addr   string `json:"s3_addr,omitempty"`
	Raft     string `json:"raft,omitempty"` // voter, non-voter, or empty (not in the Raft group)
}

// Status is a node's raft status (mirrors api.MetaStatus).
type Status struct {
	NodeID        string   `json:"node_id"`
	State         string   `json:"state"`
	LeaderID      string   `json:"leader_id"`
	LeaderAddr    string   `json:"leader_addr"`
	Term          uint64   `json:"term"`
	CommitIndex   uint64   `json:"commit_index"`
	AppliedIndex  uint64   `json:"applied_index"`
	Voters        []string `json:"voters"`
	NonVoters     []string `json:"nonvoters"`
	LayoutVersion uint64   `json:"layout_version"`
	StateHash     string   `json:"state_hash,omitempty"`
	// ShardWrites: "accepted", or "refused: low disk space (…)".
	ShardWrites string `json:"shard_writes,omitempty"`
	// Metadata: "serving", or "refused: … damaged …; recovering from the
	// leader" while the node recovers from a damaged raft log, stable
	// store or FSM.
	Metadata string `json:"metadata,omitempty"`
}

// LabelOptions are the compare-and-set conditions of SetLabel.
type LabelOptions struct {
	// IfMatch: move only if the label currently points at this bundle ID.
	IfMatch string
	// IfNotExists: create only; fail if the label exists.
	IfNotExists bool
}

// Wire bodies (mirror package api).
type (
	commitRequest struct {
		Bundle      model.Bundle `json:"bundle"`
		Label       string       `json:"label,omitempty"`
		LabelParent bool         `json:"label_parent,omitempty"`
	}
	setLabelRequest struct {
		BundleID    string             `json:"bundle_id"`
		IfMatch     string             `json:"if_match,omitempty"`
		IfNotExists bool               `json:"if_not_exists,omitempty"`
		Contributor *model.Contributor `json:"contributor,omitempty"`
	}
	putChunkResponse struct {
		ID chunk.ID `json:"id"`
	}
	hasRequest struct {
		IDs []chunk.ID `json:"ids"`
	}
	hasResponse struct {
		Present []bool `json:"present"`
	}
	removeNodeRequest struct {
		ID    string `json:"id"`
		Force bool   `json:"force,omitempty"`
	}
)
