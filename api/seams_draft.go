package api

import (
	"context"

	"github.com/datamon-io/datamon/model"
)

// Drafts serves the S3 draft routes (commit, discard, summary). It is
// optional: the Cluster (or Meta) passed to New implements it when the node
// runs the S3 backend (*s3backend.Backend has these methods); otherwise
// those routes answer 503.
type Drafts interface {
	// Commit turns the repo's draft into a bundle on label ("" = main).
	Commit(ctx context.Context, context, repo, label, message string, contributor model.Contributor) (model.Bundle, error)
	// Discard drops the repo's draft.
	Discard(ctx context.Context, context, repo string) error
	// DraftCounts summarises the repo's draft.
	DraftCounts(ctx context.Context, context, repo string) (objects, tombstones, bytes int64, err error)
}

// DraftCommitRequest is the body of POST .../draft/commit.
type DraftCommitRequest struct {
	Label   string `json:"label,omitempty"` // default: the repo's head label
	Message string `json:"message"`
	// Contributor is ignored (the commit records the authenticated identity).
	Contributor model.Contributor `json:"contributor,omitempty"`
}

// DraftSummary is the answer of GET .../draft.
type DraftSummary struct {
	Entries    int64 `json:"entries"` // objects written or replaced
	Tombstones int64 `json:"tombstones"`
	Bytes      int64 `json:"bytes"`
}
