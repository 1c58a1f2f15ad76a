package api

import (
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// Request and response bodies that are not plain model types. Lists are
// returned as JSON arrays of model types.

// CommitRequest is the body of POST .../bundles. The path gives context and
// repo; ID and Timestamp are assigned by the leader. Label, when set, is moved
// to the new bundle in the same raft command.
type CommitRequest struct {
	Bundle model.Bundle `json:"bundle"`
	Label  string       `json:"label,omitempty"`
	// LabelParent records the bundle Label points at (if any) as a parent
	// of the new bundle, in the same Raft command that moves the label.
	LabelParent bool `json:"label_parent,omitempty"`
}

// SetLabelRequest is the body of PUT .../labels/{name}.
type SetLabelRequest struct {
	BundleID    string `json:"bundle_id"`
	IfMatch     string `json:"if_match,omitempty"`
	IfNotExists bool   `json:"if_not_exists,omitempty"`
	// Contributor is accepted for old clients and ignored: the label move
	// records the authenticated identity.
	Contributor *model.Contributor `json:"contributor,omitempty"`
}

// PutChunkResponse is the body returned by PUT /v1/chunks.
type PutChunkResponse struct {
	ID chunk.ID `json:"id"`
}

// HasRequest is the body of POST /v1/chunks/has.
type HasRequest struct {
	IDs []chunk.ID `json:"ids"`
}

// HasResponse answers HasRequest, index by index.
type HasResponse struct {
	Present []bool `json:"present"`
}

// RemoveNodeRequest is the body of POST /v1/cluster/remove-node.
type RemoveNodeRequest struct {
	ID string `json:"id"`
	// Force skips the safety check (Durability.CheckRemoval).
	Force bool `json:"force,omitempty"`
}

// MaxHasIDs bounds the IDs of one HasRequest.
const MaxHasIDs = 10000

// PutChunksResponse is the body returned by POST /v1/chunks/batch: the IDs
// of the request's chunks, in order.
type PutChunksResponse struct {
	IDs []chunk.ID `json:"ids"`
}

// MaxBatchChunks bounds the chunks of one POST /v1/chunks/batch.
const MaxBatchChunks = 4096
