package s3backend

import (
	"context"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// headIter merges the base manifest and the draft in path order, in
// batches (never the whole manifest or draft): the draft wins on equal
// paths, tombstones hide base files, entries newer than maxSeq (if set)
// are ignored (commit reads the draft as of one sequence number).
type headIter struct {
	base  *baseIter
	draft *draftIter
}

// item is one path of the head: a file from the base or a draft entry.
type item struct {
	path  string
	base  *manifest.Entry
	draft *raftmeta.DraftEntry
}

func (h *headIter) next(ctx context.Context) (item, bool, error) {
	for {
		be, bok, err := h.base.peek(ctx)
		if err != nil {
			return item{}, false, err
		}
		de, dok, err := h.draft.peek(ctx)
		if err != nil {
			return item{}, false, err
		}
		switch {
		case !bok && !dok:
			return item{}, false, nil
		case dok && (!bok || de.Path <= be.Path):
			h.draft.pop()
			if bok && be.Path == de.Path {
				h.base.pop()
			}
			if de.Deleted {
				continue
			}
			return item{path: de.Path, draft: &de}, true, nil
		default:
			h.base.pop()
			return item{path: be.Path, base: &be}, true, nil
		}
	}
}

// seek skips to paths >= from.
func (h *headIter) seek(from string) {
	h.base.seek(from)
	h.draft.seek(from)
}

type baseIter struct {
	r      *manifest.Reader // nil: no base
	prefix string
	from   string
	batch  int
	buf    []manifest.Entry
	done   bool
	files  bool // only File entries
}

func (it *baseIter) peek(ctx context.Context) (manifest.Entry, bool, error) {
	for len(it.buf) == 0 {
		if it.r == nil || it.done {
			return manifest.Entry{}, false, nil
		}
		err := it.r.WalkFrom(ctx, it.prefix, it.from, func(e manifest.Entry) error {
			if !it.files || e.Type == manifest.File {
				it.buf = append(it.buf, e)
			}
			it.from = e.Path + "\x00"
			if len(it.buf) >= it.batch {
				return manifest.SkipAll
			}
			return nil
		})
		if err != nil {
			return manifest.Entry{}, false, err
		}
		if len(it.buf) < it.batch {
			it.done = true
		}
	}
	return it.buf[0], true, nil
}

func (it *baseIter) pop() { it.buf = it.buf[1:] }

func (it *baseIter) seek(from string) {
	for len(it.buf) > 0 && it.buf[0].Path < from {
		it.buf = it.buf[1:]
	}
	if len(it.buf) == 0 && from > it.from {
		it.from = from
	}
}

type draftIter struct {
	b             *Backend
	on            bool
	context, repo string
	prefix, from  string
	maxSeq        uint64 // 0: all
	batch         int
	buf           []raftmeta.DraftEntry
	done          bool
}

func (it *draftIter) peek(ctx context.Context) (raftmeta.DraftEntry, bool, error) {
	for len(it.buf) == 0 {
		if !it.on || it.done {
			return raftmeta.DraftEntry{}, false, nil
		}
		es, err := it.b.meta.ListDraft(ctx, it.context, it.repo, it.prefix, it.from, it.batch)
		if err != nil {
			return raftmeta.DraftEntry{}, false, err
		}
		if len(es) < it.batch {
			it.done = true
		}
		for _, e := range es {
			if it.maxSeq == 0 || e.Seq <= it.maxSeq {
				it.buf = append(it.buf, e)
			}
			it.from = e.Path + "\x00"
		}
	}
	return it.buf[0], true, nil
}

func (it *draftIter) pop() { it.buf = it.buf[1:] }

func (it *draftIter) seek(from string) {
	for len(it.buf) > 0 && it.buf[0].Path < from {
		it.buf = it.buf[1:]
	}
	if len(it.buf) == 0 && from > it.from {
		it.from = from
	}
}

// headIterator builds the merged iterator of a target from prefix, after from.
func (b *Backend) headIterator(ctx context.Context, t target, prefix, from string, batch int, files bool) (*headIter, model.Bundle, error) {
	h := &headIter{
		base:  &baseIter{prefix: prefix, from: from, batch: batch, files: files},
		draft: &draftIter{b: b, on: t.draft, context: t.Context, repo: t.Repo, prefix: prefix, from: from, batch: batch},
	}
	bu, ok, err := b.base(ctx, t)
	if err != nil {
		return nil, bu, err
	}
	if ok {
		if h.base.r, err = b.reader(ctx, bu); err != nil {
			return nil, bu, err
		}
	}
	return h, bu, nil
}

// ListObjects implements gateway.Backend.
func (b *Backend) ListObjects(ctx context.Context, id gateway.Identity, bucket string, q gateway.ListQuery) (gateway.ListResult, error) {
	t, err := b.resolve(ctx, id, bucket, model.PermRead)
	if err != nil {
		return gateway.ListResult{}, err
	}
	if q.MaxKeys <= 0 || q.MaxKeys > 1000 {
		q.MaxKeys = 1000
	}
	from := q.Prefix
	if q.After >= from {
		from = q.After + "\x00"
	}
	h, _, err := b.headIterator(ctx, t, q.Prefix, from, min(b.cfg.ListPage, q.MaxKeys+1), true)
	if err != nil {
		return gateway.ListResult{}, err
	}
	var res gateway.ListResult
	n := 0
	for {
		it, ok, err := h.next(ctx)
		if err != nil {
			return gateway.ListResult{}, fmt.Errorf("s3backend: list %s: %w", bucket, err)
		}
		if !ok {
			return res, nil
		}
		cp := ""
		if q.Delimiter != "" {
			if i := strings.Index(it.path[len(q.Prefix):], q.Delimiter); i >= 0 {
				cp = it.path[:len(q.Prefix)+i+len(q.Delimiter)]
			}
		}
		if cp != "" && cp == q.After {
			h.seek(prefixEnd(cp)) // the previous page returned this prefix
			continue
		}
		if n == q.MaxKeys {
			res.IsTruncated = true
			return res, nil
		}
		n++
		if cp != "" {
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.Next = cp
			h.seek(prefixEnd(cp))
			continue
		}
		var o object
		if it.draft != nil {
			o = fromDraft(*it.draft)
		} else {
			o = fromEntry(*it.base)
		}
		res.Objects = append(res.Objects, o.info)
		res.Next = it.path
	}
}

// prefixEnd is the smallest string greater than every string starting with p.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		b[i]++
		if b[i] != 0 {
			return string(b[:i+1])
		}
	}
	return p + "\xff" // all 0xff: practically unreachable
}
