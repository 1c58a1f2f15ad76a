package raftmeta

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/semver"
)

// opSquash deletes past bundles of one repo, or of every repo of a context.
// Value is part of the log format.
const opSquash = "squash" // Squash

// squashCmd is the payload of opSquash. What to delete is decided while
// the command is applied (squashPlans over the FSM state of that moment),
// never by the submitter: a bundle committed concurrently is either older
// than its repo's horizon, and judged by the same rule as every other
// bundle, or newer, and kept. Horizons is always the submitter's explicit
// map; a repo without an entry is left alone.
type squashCmd struct {
	Context          string            `json:"context"`
	Repo             string            `json:"repo,omitempty"` // "": every repo of the context
	RetainLatest     int               `json:"retain_latest"`
	RetainTags       bool              `json:"retain_tags,omitempty"`
	RetainSemverTags bool              `json:"retain_semver_tags,omitempty"`
	Horizons         map[string]string `json:"horizons,omitempty"`
}

func (c squashCmd) request() model.SquashRequest {
	return model.SquashRequest{RetainLatest: c.RetainLatest, RetainTags: c.RetainTags,
		RetainSemverTags: c.RetainSemverTags, Horizons: c.Horizons}
}

// Squash deletes the past bundles of repo in context (repo "": of every repo
// of the context) from the metadata, by the rule of model.SquashRequest,
// and the labels that pointed at them. Chunks are not touched (GC's job).
// With req.Horizons nil, each repo's horizon is its newest bundle as of a
// linearizable read made now. req.DryRun answers what would be deleted
// without writing. Errors: model.ErrInvalid, model.ErrNotFound (context,
// repo).
func (m *Meta) Squash(ctx context.Context, context, repo string, req model.SquashRequest) (model.SquashResult, error) {
	if err := validateSquash(context, repo, req); err != nil {
		return model.SquashResult{}, err
	}
	if req.Horizons == nil || req.DryRun {
		if err := m.readBarrier(ctx); err != nil {
			return model.SquashResult{}, err
		}
		snap := m.fsm.db.NewSnapshot()
		defer snap.Close()
		if req.Horizons == nil {
			h, err := latestBundles(snap, context, repo)
			if err != nil {
				return model.SquashResult{}, err
			}
			req.Horizons = h
		}
		if req.DryRun {
			plans, err := squashPlans(snap, context, repo, req)
			if err != nil {
				return model.SquashResult{}, err
			}
			res := squashResult(context, plans)
			res.DryRun = true
			return res, nil
		}
	}
	cmd := &squashCmd{Context: context, Repo: repo, RetainLatest: req.RetainLatest, RetainTags: req.RetainTags,
		RetainSemverTags: req.RetainSemverTags, Horizons: req.Horizons}
	return decodeResult[model.SquashResult](m.submit(ctx, &command{Op: opSquash, Squash: cmd}))
}

func validateSquash(context, repo string, req model.SquashRequest) error {
	if err := model.ValidateContextName(context); err != nil {
		return err
	}
	if repo != "" {
		if err := model.ValidateRepoName(repo); err != nil {
			return err
		}
	}
	return req.Validate()
}

// squash applies opSquash.
func (tx *txn) squash(c squashCmd) ([]byte, error) {
	req := c.request()
	if err := validateSquash(c.Context, c.Repo, req); err != nil {
		return nil, err
	}
	plans, err := squashPlans(tx.b, c.Context, c.Repo, req)
	if err != nil {
		return nil, err
	}
	for _, p := range plans {
		for _, id := range p.bundles {
			_ = tx.b.Delete(bundleKey(c.Context, p.res.Repo, id), nil)
		}
		for _, l := range p.labels {
			_ = tx.b.Delete(labelKey(c.Context, p.res.Repo, l), nil)
		}
	}
	js, err := json.Marshal(squashResult(c.Context, plans))
	if err != nil {
		return nil, fmt.Errorf("raftmeta: encode squash result: %w", err)
	}
	return js, nil
}

// repoPlan is what a squash deletes in one repo.
type repoPlan struct {
	res     model.RepoSquash
	bundles []string // bundle IDs to delete
	labels  []string // label names to delete
}

func squashResult(context string, plans []repoPlan) model.SquashResult {
	res := model.SquashResult{Context: context, Repos: make([]model.RepoSquash, 0, len(plans))}
	for _, p := range plans {
		res.Deleted += p.res.Deleted
		res.Kept += p.res.Kept
		res.LabelsDeleted += p.res.LabelsDeleted
		res.Repos = append(res.Repos, p.res)
	}
	return res
}

// squashRepos returns the repos a squash covers (by name): the one named,
// or every repo of the context.
func squashRepos(r pebble.Reader, context, repo string) ([]model.Repo, error) {
	if repo != "" {
		var x model.Repo
		found, err := getJSON(r, repoKey(context, repo), &x)
		if err != nil || !found {
			return nil, orErr(err, fmt.Errorf("%w: repo %s/%s", model.ErrNotFound, context, repo))
		}
		return []model.Repo{x}, nil
	}
	return list[model.Repo](r, reposPrefix(context), contextKey(context), "context "+context)
}

// latestBundles maps each covered repo that has bundles to its newest one.
func latestBundles(r pebble.Reader, context, repo string) (map[string]string, error) {
	repos, err := squashRepos(r, context, repo)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, x := range repos {
		ids, err := bundleIDs(r, context, x.Name)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			out[x.Name] = ids[len(ids)-1]
		}
	}
	return out, nil
}

// squashPlans applies the retention rule to every covered repo. It only
// reads r: the same function serves the FSM (r is the command's batch) and
// dry runs (a snapshot), so a dry run shows what the squash would do if it
// were applied at that instant.
func squashPlans(r pebble.Reader, context, repo string, req model.SquashRequest) ([]repoPlan, error) {
	repos, err := squashRepos(r, context, repo)
	if err != nil {
		return nil, err
	}
	plans := make([]repoPlan, 0, len(repos))
	for _, x := range repos {
		p, err := planRepo(r, x, req)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// planRepo: candidates are the bundles at or before the repo's horizon (none
// without one). Of those, the RetainLatest newest are kept, and every one a
// retained label points at: the head label always, every label with
// RetainTags, semantic-version labels with RetainSemverTags. The other
// candidates are deleted, with every label pointing at them. Parents are
// not followed: a kept bundle's parent may be deleted (the link dangles).
func planRepo(r pebble.Reader, repo model.Repo, req model.SquashRequest) (repoPlan, error) {
	p := repoPlan{res: model.RepoSquash{Repo: repo.Name, Horizon: req.Horizons[repo.Name]}}
	ids, err := bundleIDs(r, repo.Context, repo.Name)
	if err != nil {
		return p, err
	}
	p.res.Kept = len(ids)
	if p.res.Horizon == "" {
		return p, nil
	}
	labels, err := list[model.Label](r, labelsPrefix(repo.Context, repo.Name), nil, "")
	if err != nil {
		return p, err
	}
	keep := map[string]bool{}
	for _, l := range labels {
		if l.Name == repo.Head() || req.RetainTags || (req.RetainSemverTags && semver.Is(l.Name)) {
			keep[l.BundleID] = true
		}
	}
	n := sort.SearchStrings(ids, p.res.Horizon) // ids[:n] < horizon
	if n < len(ids) && ids[n] == p.res.Horizon {
		n++
	}
	candidates := ids[:n]
	for i, id := range candidates {
		if i >= len(candidates)-req.RetainLatest || keep[id] {
			continue
		}
		p.bundles = append(p.bundles, id)
	}
	gone := make(map[string]bool, len(p.bundles))
	for _, id := range p.bundles {
		gone[id] = true
	}
	for _, l := range labels {
		if gone[l.BundleID] {
			p.labels = append(p.labels, l.Name)
		}
	}
	p.res.Deleted, p.res.LabelsDeleted = len(p.bundles), len(p.labels)
	p.res.Kept -= p.res.Deleted
	return p, nil
}

// bundleIDs lists a repo's bundle IDs in commit order (keys only).
func bundleIDs(r pebble.Reader, context, repo string) ([]string, error) {
	pre := bundlesPrefix(context, repo)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: pre, UpperBound: prefixEnd(pre)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var ids []string
	for ok := it.First(); ok; ok = it.Next() {
		ids = append(ids, string(it.Key()[len(pre):]))
	}
	return ids, it.Error()
}
