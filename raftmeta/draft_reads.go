package raftmeta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
)

func mustJSON(v any) []byte {
	js, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("raftmeta: marshal %T: %v", v, err)) // plain data types never fail
	}
	return js
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("raftmeta: decode %T: %w", v, err)
	}
	return nil
}

// requireRepoRead checks the repo exists in a read (model.ErrNotFound).
func (m *Meta) requireRepoRead(context, repo string) error {
	var raw json.RawMessage
	found, err := getJSON(m.fsm.db, repoKey(context, repo), &raw)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: repo %s/%s", model.ErrNotFound, context, repo)
	}
	return nil
}

// GetDraftEntry returns the draft entry (object or tombstone) at path
// (model.ErrNotFound if the draft has none).
func (m *Meta) GetDraftEntry(ctx context.Context, context, repo, path string) (DraftEntry, error) {
	return get[DraftEntry](m, ctx, draftKey(context, repo, path), "draft entry "+path)
}

// DraftSummary counts the repo's draft (zero if it has none; model.ErrNotFound: repo).
func (m *Meta) DraftSummary(ctx context.Context, context, repo string) (DraftSummary, error) {
	var s DraftSummary
	if err := m.readBarrier(ctx); err != nil {
		return s, err
	}
	if err := m.requireRepoRead(context, repo); err != nil {
		return s, err
	}
	_, err := getJSON(m.fsm.db, draftSummaryKey(context, repo), &s)
	return s, err
}

// ListDraft returns up to limit (<= 0: all) draft entries, tombstones
// included, whose path starts with prefix and is >= from, in path order.
func (m *Meta) ListDraft(ctx context.Context, context, repo, prefix, from string, limit int) ([]DraftEntry, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	if strings.IndexByte(prefix, 0) >= 0 {
		return nil, fmt.Errorf("%w: draft prefix", model.ErrInvalid)
	}
	if err := m.requireRepoRead(context, repo); err != nil {
		return nil, err
	}
	p := append(draftPrefix(context, repo), prefix...)
	lower := p
	if from > prefix {
		lower = draftKey(context, repo, from)
	}
	return scan[DraftEntry](m.fsm.db, lower, prefixEnd(p), limit)
}

// GetUpload returns a multipart upload (ErrNoSuchUpload).
func (m *Meta) GetUpload(ctx context.Context, context, repo, id string) (Upload, error) {
	u, err := get[Upload](m, ctx, uploadKey(context, repo, id), "upload "+id)
	if errors.Is(err, model.ErrNotFound) {
		return u, fmt.Errorf("%w: %s", ErrNoSuchUpload, id)
	}
	return u, err
}

// ListUploads returns the repo's uploads in progress, oldest first.
func (m *Meta) ListUploads(ctx context.Context, context, repo string) ([]Upload, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	if err := m.requireRepoRead(context, repo); err != nil {
		return nil, err
	}
	p := uploadsPrefix(context, repo)
	return scan[Upload](m.fsm.db, p, prefixEnd(p), 0)
}

// ListParts returns up to limit (<= 0: all) parts numbered above after, by number.
func (m *Meta) ListParts(ctx context.Context, context, repo, id string, after, limit int) ([]UploadPart, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	var u Upload
	found, err := getJSON(m.fsm.db, uploadKey(context, repo, id), &u)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchUpload, id)
	}
	p := partsPrefix(context, repo, id)
	return scan[UploadPart](m.fsm.db, partKey(context, repo, id, max(after, 0)+1), prefixEnd(p), limit)
}

// scan decodes up to limit values in [lower, upper) from one consistent view.
func scan[T any](db *pebble.DB, lower, upper []byte, limit int) ([]T, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := []T{}
	for ok := it.First(); ok && (limit <= 0 || len(out) < limit); ok = it.Next() {
		var v T
		if err := json.Unmarshal(it.Value(), &v); err != nil {
			return nil, fmt.Errorf("raftmeta: decode %q: %w", it.Key(), err)
		}
		out = append(out, v)
	}
	return out, it.Error()
}
