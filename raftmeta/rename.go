package raftmeta

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
)

// opRenameRepo renames a repo with everything keyed by its name, in one
// command (value is part of the log format).
const opRenameRepo = "rename_repo" // Rename

// renameCmd is the payload of opRenameRepo.
type renameCmd struct {
	Context string `json:"context"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// RenameRepo renames context/from to context/to in one Raft command: the
// descriptor (description, contributor, timestamp, head label), every
// bundle (same IDs), every label with its history and every access key
// grant on "context/from" move at once; readers see either the old or the
// new name, never half of each. Errors: model.ErrInvalid (bad name, same
// name), ErrNotFound (from), ErrExists (to), ErrPrecondition (the repo has
// an open S3 draft or multipart upload: commit or discard it first).
func (m *Meta) RenameRepo(ctx context.Context, context, from, to string) (model.RepoRenamed, error) {
	if err := validateRename(renameCmd{Context: context, From: from, To: to}); err != nil {
		return model.RepoRenamed{}, err
	}
	return decodeResult[model.RepoRenamed](m.submit(ctx, &command{Op: opRenameRepo,
		Rename: &renameCmd{Context: context, From: from, To: to}}))
}

func validateRename(r renameCmd) error {
	if err := validateRef(r.Context, r.From); err != nil {
		return err
	}
	if err := model.ValidateRepoName(r.To); err != nil {
		return err
	}
	if r.From == r.To {
		return fmt.Errorf("%w: repo %q renamed to itself", model.ErrInvalid, r.From)
	}
	return nil
}

// renameRepo applies opRenameRepo. Everything is read from the batch, in
// key order, so the result is deterministic.
func (tx *txn) renameRepo(r renameCmd) ([]byte, error) {
	if err := validateRename(r); err != nil {
		return nil, err
	}
	c := r.Context
	var repo model.Repo
	found, err := getJSON(tx.b, repoKey(c, r.From), &repo)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: repo %s/%s", model.ErrNotFound, c, r.From)
	}
	if ok, err := tx.exists(repoKey(c, r.To)); err != nil || ok {
		return nil, orErr(err, fmt.Errorf("%w: repo %s/%s", model.ErrExists, c, r.To))
	}
	for _, open := range []struct {
		what   string
		prefix []byte
	}{
		{"an open S3 draft (commit or discard it first)", draftPrefix(c, r.From)},
		{"an open S3 multipart upload (complete or abort it first)", uploadsPrefix(c, r.From)},
	} {
		if n, err := tx.countPrefix(open.prefix, 1); err != nil || n > 0 {
			return nil, orErr(err, fmt.Errorf("%w: repo %s/%s has %s", model.ErrPrecondition, c, r.From, open.what))
		}
	}
	res := model.RepoRenamed{}
	if res.Bundles, err = tx.moveJSON(bundlesPrefix(c, r.From), bundlesPrefix(c, r.To), func(v *model.Bundle) { v.Repo = r.To }); err != nil {
		return nil, err
	}
	if res.Labels, err = tx.moveJSON(labelsPrefix(c, r.From), labelsPrefix(c, r.To), func(v *model.Label) { v.Repo = r.To }); err != nil {
		return nil, err
	}
	if _, err := tx.moveJSON(repoHistoryPrefix(c, r.From), repoHistoryPrefix(c, r.To), func(*json.RawMessage) {}); err != nil {
		return nil, err
	}
	toLFS := lfsRepoPrefixes(c, r.To)
	for i, p := range lfsRepoPrefixes(c, r.From) { // LFS objects, locks, lock paths (lfs_reads.go)
		if _, err := tx.moveJSON(p, toLFS[i], func(*json.RawMessage) {}); err != nil {
			return nil, err
		}
	}
	if err := tx.moveKey(draftSummaryKey(c, r.From), draftSummaryKey(c, r.To)); err != nil {
		return nil, err
	}
	if res.KeyRefs, err = tx.moveGrants(c+"/"+r.From, c+"/"+r.To); err != nil {
		return nil, err
	}
	_ = tx.b.Delete(repoKey(c, r.From), nil)
	repo.Name = r.To
	tx.putJSON(repoKey(c, r.To), repo)
	res.Repo = repo
	return mustJSON(res), nil
}

// moveJSON rewrites every value under from to the same key suffix under
// to, passing bundles and labels through fix (func(*model.Bundle) or
// func(*model.Label)) and copying anything else verbatim; it returns how
// many moved.
func (tx *txn) moveJSON(from, to []byte, fix any) (int, error) {
	it, err := tx.b.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: prefixEnd(from)})
	if err != nil {
		return 0, err
	}
	type kv struct{ k, v []byte }
	var all []kv
	for ok := it.First(); ok; ok = it.Next() {
		all = append(all, kv{append([]byte(nil), it.Key()...), append([]byte(nil), it.Value()...)})
	}
	if err := orErr(it.Error(), it.Close()); err != nil {
		return 0, err
	}
	for _, e := range all {
		v, err := fixValue(e.v, fix)
		if err != nil {
			return 0, fmt.Errorf("raftmeta: rename %q: %w", e.k, err)
		}
		nk := append(append([]byte(nil), to...), e.k[len(from):]...)
		_ = tx.b.Set(nk, v, nil)
		_ = tx.b.Delete(e.k, nil)
	}
	return len(all), nil
}

func fixValue(raw []byte, fix any) ([]byte, error) {
	switch f := fix.(type) {
	case func(*model.Bundle):
		return refit(raw, f)
	case func(*model.Label):
		return refit(raw, f)
	}
	return raw, nil // values that do not name the repo are copied verbatim
}

func refit[T any](raw []byte, fix func(*T)) ([]byte, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	fix(&v)
	return json.Marshal(v)
}

func (tx *txn) moveKey(from, to []byte) error {
	v, closer, err := tx.b.Get(from)
	if err == pebble.ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	val := append([]byte(nil), v...)
	closer.Close()
	_ = tx.b.Set(to, val, nil)
	return tx.b.Delete(from, nil)
}

// moveGrants moves every access key's grant on grant "from" to "to"; a key
// that already has a grant on "to" keeps the higher of the two.
func (tx *txn) moveGrants(from, to string) (int, error) {
	p := join("k", "")
	keys, err := list[model.AccessKey](tx.b, p, nil, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		g, ok := k.Grants[from]
		if !ok {
			continue
		}
		delete(k.Grants, from)
		k.Grants[to] = max(k.Grants[to], g)
		tx.putJSON(accessKeyKey(k.ID), k)
		n++
	}
	return n, nil
}

// countPrefix counts keys under p, stopping at limit.
func (tx *txn) countPrefix(p []byte, limit int) (int, error) {
	it, err := tx.b.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return 0, err
	}
	n := 0
	for ok := it.First(); ok && n < limit; ok = it.Next() {
		n++
	}
	return n, orErr(it.Error(), it.Close())
}
