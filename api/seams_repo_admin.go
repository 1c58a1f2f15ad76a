package api

import (
	"context"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// RepoAdmin serves `repo rename` and `repo delete files`. It is optional:
// the Meta passed to New implements it (*raftmeta.Meta does); otherwise
// those routes answer 503.
type RepoAdmin interface {
	// RenameRepo renames context/from to context/to with its bundles,
	// labels and grants in one step (model.ErrExists: to exists).
	RenameRepo(ctx context.Context, context, from, to string) (model.RepoRenamed, error)
	// SwapManifests replaces bundles' manifests, all or nothing, each only
	// if it still has the expected old root (model.ErrPrecondition).
	SwapManifests(ctx context.Context, context, repo string, swaps []model.ManifestSwap) ([]model.Bundle, error)
}

// RenameRepoRequest is the body of POST .../repos/{repo}/rename; the
// answer is a model.RepoRenamed.
type RenameRepoRequest struct {
	NewName string `json:"new_name"`
}

// MaxDeletePaths bounds the paths of one delete-files request.
const MaxDeletePaths = 10000

// DeleteFilesRequest is the body of POST .../repos/{repo}/delete-files:
// normalized bundle paths (manifest.ValidatePath) to remove from every
// bundle of the repo.
type DeleteFilesRequest struct {
	Paths []string `json:"paths"`
}

// DeleteFilesResult is the answer of POST .../delete-files.
type DeleteFilesResult struct {
	// Bundles lists every bundle of the repo in ID order, changed or not.
	Bundles []BundleFilesRemoved `json:"bundles"`
	// Removed counts the entries removed over all bundles.
	Removed int `json:"removed"`
	// Missing are the requested paths that no bundle had.
	Missing []string `json:"missing,omitempty"`
}

// BundleFilesRemoved is what delete-files did to one bundle. A bundle that
// had none of the paths keeps its manifest (OldRoot == NewRoot).
type BundleFilesRemoved struct {
	ID        string   `json:"id"`
	Removed   []string `json:"removed"` // paths removed from this bundle, in path order
	OldRoot   chunk.ID `json:"old_root"`
	NewRoot   chunk.ID `json:"new_root"`
	FileCount uint64   `json:"file_count"` // after the removal
	ByteCount uint64   `json:"byte_count"`
}
