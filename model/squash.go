package model

import "fmt"

// DefaultRetainLatest is how many of the newest bundles a squash keeps when
// the caller does not say.
const DefaultRetainLatest = 1

// SquashRequest asks to delete the past bundles of a repo (repo squash) or
// of every repo of a context (context squash) from the metadata.
//
// A bundle survives when it is newer than its repo's horizon, one of the
// RetainLatest newest bundles at or before the horizon, the bundle the
// repo's head label points at, or (RetainTags) pointed at by any label, or
// (RetainSemverTags) pointed at by a label whose name is a semantic version.
// Everything else at or before the horizon is deleted, and so are the labels
// that pointed at it. The rule is evaluated when the squash is applied to
// the metadata log, against the labels as they are then.
type SquashRequest struct {
	// RetainLatest is how many of the newest bundles at or before the
	// horizon are kept; at least 1.
	RetainLatest     int  `json:"retain_latest"`
	RetainTags       bool `json:"retain_tags,omitempty"`
	RetainSemverTags bool `json:"retain_semver_tags,omitempty"`
	// Horizons maps a repo name to the newest bundle ID the caller saw in
	// it: only bundles at or before it may be deleted, so a bundle committed
	// after the caller looked is never removed. A repo without an entry is
	// left alone (the caller saw no bundle there). nil (JSON null or
	// absent; an empty map is not nil): the server takes each repo's newest
	// bundle when it receives the request.
	Horizons map[string]string `json:"horizons"`
	// DryRun computes what a squash would delete now without deleting it
	// (and answers the horizons it used).
	DryRun bool `json:"dry_run,omitempty"`
}

// Validate checks the retention and the horizons' names (not that the
// horizon bundles exist: a horizon is only an upper bound).
func (r SquashRequest) Validate() error {
	if r.RetainLatest < 1 {
		return fmt.Errorf("%w: squash must retain at least the 1 latest bundle, not %d", ErrInvalid, r.RetainLatest)
	}
	for repo, id := range r.Horizons {
		if err := ValidateRepoName(repo); err != nil {
			return fmt.Errorf("squash horizon: %w", err)
		}
		if !isBundleID(id) {
			return fmt.Errorf("%w: squash horizon %q of repo %q is not a bundle ID", ErrInvalid, id, repo)
		}
	}
	return nil
}

// isBundleID: 27 base62 characters.
func isBundleID(s string) bool {
	if len(s) != 27 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// SquashResult is the answer of a squash (or of its dry run).
type SquashResult struct {
	Context string `json:"context"`
	DryRun  bool   `json:"dry_run,omitempty"`
	// Deleted, Kept and LabelsDeleted are the totals over Repos.
	Deleted       int          `json:"deleted"`
	Kept          int          `json:"kept"`
	LabelsDeleted int          `json:"labels_deleted"`
	Repos         []RepoSquash `json:"repos"`
}

// RepoSquash is what a squash did (or would do) to one repo.
type RepoSquash struct {
	Repo string `json:"repo"`
	// Horizon is the newest bundle that could be deleted ("" none: the repo
	// was left alone).
	Horizon string `json:"horizon,omitempty"`
	// Deleted bundles; Kept is every bundle the repo still has.
	Deleted       int `json:"deleted"`
	Kept          int `json:"kept"`
	LabelsDeleted int `json:"labels_deleted"`
}

// Horizons returns the per-repo horizons a (dry-run) result used, as the
// SquashRequest.Horizons of the squash that follows it: only what the dry
// run could see may then be deleted. Never nil.
func (r SquashResult) Horizons() map[string]string {
	h := make(map[string]string, len(r.Repos))
	for _, x := range r.Repos {
		if x.Horizon != "" {
			h[x.Repo] = x.Horizon
		}
	}
	return h
}
