package raftmeta

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
)

func draftKey(ctx, repo, path string) []byte     { return join("w", ctx, repo, path) }
func draftPrefix(ctx, repo string) []byte        { return join("w", ctx, repo, "") }
func draftSummaryKey(ctx, repo string) []byte    { return join("W", ctx, repo) }
func uploadKey(ctx, repo, id string) []byte      { return join("u", ctx, repo, id) }
func uploadsPrefix(ctx, repo string) []byte      { return join("u", ctx, repo, "") }
func partKey(ctx, repo, id string, n int) []byte { return join("p", ctx, repo, id, u64(uint64(n))) }
func partsPrefix(ctx, repo, id string) []byte    { return join("p", ctx, repo, id, "") }
func repoPartsPrefix(ctx, repo string) []byte    { return join("p", ctx, repo, "") }

// execDraft applies one draft op (called from txn.exec).
func (tx *txn) execDraft(op string, d *draftCmd) ([]byte, error) {
	if err := tx.requireRepo(d.Context, d.Repo); err != nil {
		return nil, err
	}
	switch op {
	case opDraftPut:
		if err := validateDraftPath(d.Entry.Path); err != nil {
			return nil, err
		}
		return tx.draftWrite(d, *d.Entry, d.Cond)
	case opDraftDelete:
		if err := validateDraftPath(d.Path); err != nil {
			return nil, err
		}
		return tx.draftWrite(d, DraftEntry{Path: d.Path, Deleted: true}, d.Cond) // Cond: DeleteDraftIf
	case opDraftDiscard:
		_ = tx.b.DeleteRange(draftPrefix(d.Context, d.Repo), prefixEnd(draftPrefix(d.Context, d.Repo)), nil)
		tx.putJSON(draftSummaryKey(d.Context, d.Repo), DraftSummary{Seq: tx.index})
		return mustJSON(draftResult{}), nil
	case opDraftCommit:
		return tx.draftCommit(d)
	case opUploadCreate:
		u := *d.Upload
		h := sha256.Sum256(tx.data)
		u.ID = fmt.Sprintf("%016x%s", tx.index, hex.EncodeToString(h[:8]))
		u.Initiated = tx.now
		tx.putJSON(uploadKey(d.Context, d.Repo, u.ID), u)
		return mustJSON(draftResult{Upload: &u}), nil
	case opUploadPart:
		if ok, err := tx.exists(uploadKey(d.Context, d.Repo, d.UploadID)); err != nil || !ok {
			return orFail(err, "no_such_upload", d.UploadID)
		}
		p := *d.Part
		p.MTime = tx.now.UnixNano()
		tx.putJSON(partKey(d.Context, d.Repo, d.UploadID, p.Number), p)
		return mustJSON(draftResult{Part: &p}), nil
	case opUploadComplete:
		return tx.uploadComplete(d)
	case opUploadAbort:
		if ok, err := tx.exists(uploadKey(d.Context, d.Repo, d.UploadID)); err != nil || !ok {
			return orFail(err, "no_such_upload", d.UploadID)
		}
		tx.dropUpload(d.Context, d.Repo, d.UploadID)
		return mustJSON(draftResult{}), nil
	}
	return nil, fmt.Errorf("%w: unknown draft op %q", ErrBadCommand, op)
}

func orFail(err error, status, msg string) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return fail(status, "%s", msg)
}

func (tx *txn) dropUpload(ctx, repo, id string) {
	_ = tx.b.Delete(uploadKey(ctx, repo, id), nil)
	p := partsPrefix(ctx, repo, id)
	_ = tx.b.DeleteRange(p, prefixEnd(p), nil)
}

// checkCond evaluates cond against the current head of path.
func (tx *txn) checkCond(ctx, repo, path string, cond *PutCondition) (status, msg string, err error) {
	if cond == nil || (cond.IfMatch == "" && !cond.IfNoneMatch) {
		return "", "", nil
	}
	var cur DraftEntry
	found, err := getJSON(tx.b, draftKey(ctx, repo, path), &cur)
	if err != nil {
		return "", "", err
	}
	exists, etag := !cur.Deleted, cur.ETag
	if !found {
		var l model.Label
		lfound, err := getJSON(tx.b, labelKey(ctx, repo, cond.Label), &l)
		if err != nil {
			return "", "", err
		}
		if !lfound {
			l.BundleID = ""
		}
		if l.BundleID != cond.BaseBundle {
			return "base_moved", fmt.Sprintf("label %q points at %q, not %q", cond.Label, l.BundleID, cond.BaseBundle), nil
		}
		exists, etag = cond.BaseExists, cond.BaseETag
	}
	switch {
	case cond.IfNoneMatch && exists:
		return "precondition", fmt.Sprintf("%q exists", path), nil
	case cond.IfMatch != "" && (!exists || etag != cond.IfMatch):
		return "precondition", fmt.Sprintf("%q does not have etag %q", path, cond.IfMatch), nil
	}
	return "", "", nil
}

// draftWrite stores e (object or tombstone) after checking cond and keeps
// the summary up to date.
func (tx *txn) draftWrite(d *draftCmd, e DraftEntry, cond *PutCondition) ([]byte, error) {
	status, msg, err := tx.checkCond(d.Context, d.Repo, e.Path, cond)
	if err != nil || status != "" {
		return orFail(err, status, msg)
	}
	var sum DraftSummary
	if _, err := getJSON(tx.b, draftSummaryKey(d.Context, d.Repo), &sum); err != nil {
		return nil, err
	}
	var old DraftEntry
	found, err := getJSON(tx.b, draftKey(d.Context, d.Repo, e.Path), &old)
	if err != nil {
		return nil, err
	}
	if found {
		sum.sub(old)
	}
	e.Seq, e.MTime = tx.index, tx.now.UnixNano()
	if e.Deleted {
		e.Size, e.ETag, e.Chunks, e.Attrs = 0, "", nil, nil
	}
	sum.add(e)
	sum.Seq = tx.index
	tx.putJSON(draftKey(d.Context, d.Repo, e.Path), e)
	tx.putJSON(draftSummaryKey(d.Context, d.Repo), sum)
	return mustJSON(draftResult{Entry: &e}), nil
}

func (s *DraftSummary) add(e DraftEntry) {
	if e.Deleted {
		s.Tombstones++
		return
	}
	s.Objects++
	s.Bytes += e.Size
}

func (s *DraftSummary) sub(e DraftEntry) {
	if e.Deleted {
		s.Tombstones--
		return
	}
	s.Objects--
	s.Bytes -= e.Size
}

// draftCommit commits the bundle (moving the label with its CAS) and
// clears the draft entries the commit included.
func (tx *txn) draftCommit(d *draftCmd) ([]byte, error) {
	c := d.Commit
	if c.Bundle.Context != d.Context || c.Bundle.Repo != d.Repo {
		return nil, fmt.Errorf("%w: draft commit for another repo", model.ErrInvalid)
	}
	ls := c.Label
	js, err := tx.commitBundle(c.Bundle, &ls)
	if err != nil {
		return nil, err
	}
	var b model.Bundle
	if err := jsonUnmarshal(js, &b); err != nil {
		return nil, err
	}
	var sum DraftSummary
	if _, err := getJSON(tx.b, draftSummaryKey(d.Context, d.Repo), &sum); err != nil {
		return nil, err
	}
	p := draftPrefix(d.Context, d.Repo)
	it, err := tx.b.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, err
	}
	var drop [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		var e DraftEntry
		if err := jsonUnmarshal(it.Value(), &e); err != nil {
			_ = it.Close()
			return nil, err
		}
		if e.Seq <= c.DraftSeq {
			drop = append(drop, append([]byte(nil), it.Key()...))
			sum.sub(e)
		}
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	for _, k := range drop {
		_ = tx.b.Delete(k, nil)
	}
	sum.Seq = tx.index
	tx.putJSON(draftSummaryKey(d.Context, d.Repo), sum)
	return mustJSON(draftResult{Bundle: &b}), nil
}

// uploadComplete validates the listed parts, writes the object and drops the upload.
func (tx *txn) uploadComplete(d *draftCmd) ([]byte, error) {
	var u Upload
	found, err := getJSON(tx.b, uploadKey(d.Context, d.Repo, d.UploadID), &u)
	if err == nil && !found { // a resent completion (upload_done.go)
		if res, done, err := tx.uploadCompleted(d); err != nil || done {
			return res, err
		}
	}
	if err != nil || !found || u.Key != d.Path {
		return orFail(err, "no_such_upload", d.UploadID)
	}
	e := DraftEntry{Path: u.Key, Attrs: u.Attrs}
	if len(d.Attrs) > 0 {
		e.Attrs = make(map[string]string, len(u.Attrs)+len(d.Attrs))
		for k, v := range u.Attrs {
			e.Attrs[k] = v
		}
		for k, v := range d.Attrs {
			e.Attrs[k] = v
		}
	}
	md := md5.New()
	for i, cp := range d.Parts {
		if i > 0 && cp.Number <= d.Parts[i-1].Number {
			return fail("invalid_part_order", "part %d after %d", cp.Number, d.Parts[i-1].Number)
		}
	}
	stored := make([]UploadPart, len(d.Parts))
	for i, cp := range d.Parts { // every part must exist before sizes are judged
		found, err := getJSON(tx.b, partKey(d.Context, d.Repo, d.UploadID, cp.Number), &stored[i])
		if err != nil {
			return nil, err
		}
		if !found || stored[i].ETag != cp.ETag {
			return fail("invalid_part", "part %d (etag %q) not found", cp.Number, cp.ETag)
		}
	}
	for i, cp := range d.Parts {
		p := stored[i]
		if i < len(d.Parts)-1 && p.Size < d.MinPartSize {
			return fail("entity_too_small", "part %d is %d bytes, minimum %d", cp.Number, p.Size, d.MinPartSize)
		}
		raw, err := hex.DecodeString(p.ETag)
		if err != nil {
			return fail("invalid_part", "part %d etag %q", cp.Number, p.ETag)
		}
		md.Write(raw)
		e.Size += p.Size
		e.Chunks = append(e.Chunks, p.Chunks...)
	}
	e.ETag = fmt.Sprintf("%s-%d", hex.EncodeToString(md.Sum(nil)), len(d.Parts))
	res, err := tx.draftWrite(d, e, d.Cond)
	if err != nil {
		return nil, err
	}
	var r draftResult
	if err := jsonUnmarshal(res, &r); err != nil {
		return nil, err
	}
	if r.Status == "" {
		tx.dropUpload(d.Context, d.Repo, d.UploadID)
		if err := tx.rememberCompleted(d, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}
