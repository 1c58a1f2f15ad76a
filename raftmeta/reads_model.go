package raftmeta

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
)

// GetContext returns a context (model.ErrNotFound).
func (m *Meta) GetContext(ctx context.Context, name string) (model.Context, error) {
	return get[model.Context](m, ctx, contextKey(name), "context "+name)
}

// ListContexts returns all contexts by name.
func (m *Meta) ListContexts(ctx context.Context) ([]model.Context, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	return list[model.Context](m.fsm.db, join("c", ""), nil, "")
}

// GetRepo returns a repo (model.ErrNotFound).
func (m *Meta) GetRepo(ctx context.Context, context, name string) (model.Repo, error) {
	return get[model.Repo](m, ctx, repoKey(context, name), "repo "+context+"/"+name)
}

// ListRepos returns the repos of a context by name (model.ErrNotFound: context).
func (m *Meta) ListRepos(ctx context.Context, context string) ([]model.Repo, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	return list[model.Repo](m.fsm.db, reposPrefix(context), contextKey(context), "context "+context)
}

// GetBundle returns a bundle (model.ErrNotFound).
func (m *Meta) GetBundle(ctx context.Context, context, repo, id string) (model.Bundle, error) {
	return get[model.Bundle](m, ctx, bundleKey(context, repo, id), "bundle "+id)
}

// ListBundles returns a repo's bundles by ID, i.e. in commit order.
func (m *Meta) ListBundles(ctx context.Context, context, repo string) ([]model.Bundle, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	return list[model.Bundle](m.fsm.db, bundlesPrefix(context, repo), repoKey(context, repo),
		"repo "+context+"/"+repo)
}

// LatestBundle returns the last committed bundle of a repo (model.ErrNotFound
// if the repo does not exist or has no bundles).
func (m *Meta) LatestBundle(ctx context.Context, context, repo string) (model.Bundle, error) {
	var b model.Bundle
	if err := m.readBarrier(ctx); err != nil {
		return b, err
	}
	p := bundlesPrefix(context, repo)
	it, err := m.fsm.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return b, err
	}
	defer it.Close()
	if !it.Last() {
		if err := it.Error(); err != nil {
			return b, err
		}
		return b, fmt.Errorf("%w: no bundles in %s/%s", model.ErrNotFound, context, repo)
	}
	if err := json.Unmarshal(it.Value(), &b); err != nil {
		return b, fmt.Errorf("raftmeta: decode bundle: %w", err)
	}
	return b, nil
}

// GetLabel returns a label (model.ErrNotFound).
func (m *Meta) GetLabel(ctx context.Context, context, repo, name string) (model.Label, error) {
	return get[model.Label](m, ctx, labelKey(context, repo, name), "label "+name)
}

// ListLabels returns a repo's labels whose names start with prefix, by name.
func (m *Meta) ListLabels(ctx context.Context, context, repo, prefix string) ([]model.Label, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	if strings.Contains(prefix, sep) {
		return nil, fmt.Errorf("%w: label prefix", model.ErrInvalid)
	}
	p := append(labelsPrefix(context, repo), prefix...)
	return list[model.Label](m.fsm.db, p, repoKey(context, repo), "repo "+context+"/"+repo)
}

// LabelHistory returns every move of a label, oldest first (model.ErrNotFound
// if the label never existed).
func (m *Meta) LabelHistory(ctx context.Context, context, repo, name string) ([]model.LabelMove, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	h, err := list[model.LabelMove](m.fsm.db, historyPrefix(context, repo, name), nil, "")
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("%w: label %s in %s/%s", model.ErrNotFound, name, context, repo)
	}
	return h, nil
}

// GetAccessKey returns an access key with its secrets in plaintext
// (authentication needs them; model.ErrNotFound, ErrSealed).
func (m *Meta) GetAccessKey(ctx context.Context, id string) (model.AccessKey, error) {
	k, err := get[model.AccessKey](m, ctx, accessKeyKey(id), "access key")
	if err != nil {
		return k, err
	}
	return m.seal.openKey(k)
}
