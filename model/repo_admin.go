package model

import "github.com/datamon-io/datamon/chunk"

// RepoRenamed is what renaming a repo moved (`repo rename`).
type RepoRenamed struct {
	Repo    Repo `json:"repo"`     // the repo under its new name, descriptor unchanged
	Bundles int  `json:"bundles"`  // bundles moved (IDs unchanged)
	Labels  int  `json:"labels"`   // labels moved, with their history
	KeyRefs int  `json:"key_refs"` // access keys whose grant on the old name moved to the new one
}

// ManifestSwap replaces a committed bundle's file list (`repo delete files`,
// the one mutation of a bundle): ManifestRoot, FileCount and ByteCount take
// the new values if the bundle's ManifestRoot is still OldRoot.
type ManifestSwap struct {
	BundleID  string   `json:"id"`
	OldRoot   chunk.ID `json:"old_root"`
	NewRoot   chunk.ID `json:"new_root"`
	FileCount uint64   `json:"file_count"`
	ByteCount uint64   `json:"byte_count"`
}
