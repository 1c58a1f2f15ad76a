package s3backend

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// Commit turns the repo's draft into a bundle: it streams a merge of the
// label's bundle manifest (sorted walk) and the draft as of its current
// sequence number into a new manifest, then ONE Raft command commits the
// bundle (parent = base), moves the label with compare-and-set on the base
// and clears exactly the draft entries included; writes that arrive during
// the commit stay in the draft. If the label moves meanwhile the commit is
// redone on the new base, up to cfg.CommitRetries times (then ErrConflict).
// label "" means the repo's head label. ErrEmptyDraft if there is nothing
// to commit.
func (b *Backend) Commit(ctx context.Context, context, repo, label, message string, contributor model.Contributor) (model.Bundle, error) {
	if label == "" {
		r, err := b.meta.GetRepo(ctx, context, repo)
		if err != nil {
			return model.Bundle{}, err
		}
		label = r.Head()
	}
	if err := model.ValidateLabelName(label); err != nil {
		return model.Bundle{}, err
	}
	if message == "" {
		return model.Bundle{}, fmt.Errorf("%w: commit needs a message", model.ErrInvalid)
	}
	for attempt := 0; attempt < b.cfg.CommitRetries; attempt++ {
		bu, err := b.commitOnce(ctx, context, repo, label, message, contributor)
		if !errors.Is(err, model.ErrPrecondition) {
			return bu, err
		}
		b.log.Info("s3backend: label moved during commit, retrying", "repo", context+"/"+repo, "label", label, "err", err)
	}
	return model.Bundle{}, fmt.Errorf("%w: %s/%s label %s", ErrConflict, context, repo, label)
}

func (b *Backend) commitOnce(ctx context.Context, context, repo, label, message string, contributor model.Contributor) (model.Bundle, error) {
	sum, err := b.meta.DraftSummary(ctx, context, repo)
	if err != nil {
		return model.Bundle{}, err
	}
	if sum.Objects+sum.Tombstones == 0 {
		return model.Bundle{}, fmt.Errorf("%w: %s/%s", ErrEmptyDraft, context, repo)
	}
	t := target{Ref: Ref{Context: context, Repo: repo, Label: label}, draft: true}
	h, base, err := b.headIterator(ctx, t, "", "", b.cfg.ListPage, false)
	if err != nil {
		return model.Bundle{}, err
	}
	h.draft.maxSeq = sum.Seq
	w := manifest.NewWriter(ctx, putter{b.chunks}, b.cfg.Manifest)
	for {
		it, ok, err := h.next(ctx)
		if err != nil {
			return model.Bundle{}, fmt.Errorf("s3backend: commit %s/%s: %w", context, repo, err)
		}
		if !ok {
			break
		}
		e := manifest.Entry{}
		if it.draft != nil {
			e = toEntry(*it.draft)
		} else {
			e = *it.base
		}
		if err := w.Add(e); err != nil {
			return model.Bundle{}, fmt.Errorf("s3backend: commit %s/%s: %w", context, repo, err)
		}
	}
	root, err := w.Close()
	if err != nil {
		return model.Bundle{}, fmt.Errorf("s3backend: commit %s/%s: %w", context, repo, err)
	}
	nb := model.Bundle{Context: context, Repo: repo, Message: message, Contributors: []model.Contributor{contributor},
		ManifestRoot: root.ID, FileCount: root.Files, ByteCount: root.Bytes}
	ls := model.LabelSet{Context: context, Repo: repo, Name: label, Contributor: contributor}
	if base.ID != "" {
		nb.Parents = []string{base.ID}
		ls.IfMatch = base.ID
	} else {
		ls.IfNotExists = true
	}
	return b.meta.CommitDraft(ctx, raftmeta.DraftCommit{Bundle: nb, Label: ls, DraftSeq: sum.Seq})
}

// Discard drops the repo's draft (multipart uploads in progress are kept).
func (b *Backend) Discard(ctx context.Context, context, repo string) error {
	return b.meta.DiscardDraft(ctx, context, repo)
}

// DraftSummary is the repo's draft: object and tombstone counts, bytes.
func (b *Backend) DraftSummary(ctx context.Context, context, repo string) (raftmeta.DraftSummary, error) {
	return b.meta.DraftSummary(ctx, context, repo)
}

// DraftCounts is the repo's draft summary as the public API reports it
// (api.Drafts).
func (b *Backend) DraftCounts(ctx context.Context, context, repo string) (objects, tombstones, bytes int64, err error) {
	s, err := b.meta.DraftSummary(ctx, context, repo)
	return s.Objects, s.Tombstones, s.Bytes, err
}
