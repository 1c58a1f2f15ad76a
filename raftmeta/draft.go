package raftmeta

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// S3 working drafts and multipart uploads.
//
// A repo's draft is the set of uncommitted writes made through the S3
// gateway, one DraftEntry per path (an object or a tombstone), stored under
// "w" ctx repo path in path order plus a DraftSummary under "W" ctx repo.
// Every write records its raft index as Seq, so a commit can clear exactly
// the entries it read (Seq <= DraftCommit.DraftSeq) and leave newer ones for
// the next commit. Multipart uploads live under "u" ctx repo id, their parts
// under "p" ctx repo id number.
//
// Outcomes specific to S3 (precondition failed, base moved, invalid part...)
// travel as a status in the command result rather than as an apply error,
// so they survive forwarding intact; the public methods turn them into the
// sentinels below.

// Draft sentinels. Each wraps the model error the API maps it to.
var (
	ErrNoSuchUpload     = fmt.Errorf("raftmeta: no such upload: %w", model.ErrNotFound)
	ErrInvalidPart      = fmt.Errorf("raftmeta: invalid part: %w", model.ErrInvalid)
	ErrInvalidPartOrder = fmt.Errorf("raftmeta: invalid part order: %w", model.ErrInvalid)
	ErrEntityTooSmall   = fmt.Errorf("raftmeta: part too small: %w", model.ErrInvalid)
	// ErrBaseMoved: a conditional write evaluated against the label's bundle
	// found that the label moved meanwhile; re-read the base and retry.
	ErrBaseMoved = fmt.Errorf("raftmeta: draft base moved: %w", model.ErrPrecondition)
)

// Limits of draft commands.
const (
	MaxPartNumber = 10000
	maxDraftPath  = 4096
)

// DraftChunk is one chunk of an object's content, in order.
type DraftChunk struct {
	ID   chunk.ID `json:"id"`
	Size uint32   `json:"n"`
}

// DraftEntry is one path of a draft: an object, or a tombstone (Deleted)
// hiding the base bundle's file. MTime and Seq are stamped by the FSM.
type DraftEntry struct {
	Path    string            `json:"path"`
	Deleted bool              `json:"deleted,omitempty"`
	Size    int64             `json:"size,omitempty"`
	MTime   int64             `json:"mtime,omitempty"` // unix ns
	ETag    string            `json:"etag,omitempty"`
	Chunks  []DraftChunk      `json:"chunks,omitempty"`
	Attrs   map[string]string `json:"attrs,omitempty"` // opaque to raftmeta (content type, user meta...)
	Seq     uint64            `json:"seq"`
}

// DraftSummary counts a repo's draft. Seq is the raft index of its last change.
type DraftSummary struct {
	Objects    int64  `json:"objects"`
	Tombstones int64  `json:"tombstones"`
	Bytes      int64  `json:"bytes"`
	Seq        uint64 `json:"seq"`
}

// PutCondition makes a draft write conditional on the current head of its
// path: the draft entry if there is one, else the base bundle's file. The
// caller evaluates the base (BaseExists, BaseETag) against the bundle the
// label pointed at (BaseBundle, "" if the label did not exist); the FSM
// checks the label still points there (else ErrBaseMoved).
type PutCondition struct {
	IfMatch     string `json:"if_match,omitempty"`
	IfNoneMatch bool   `json:"if_none_match,omitempty"` // "*": must not exist
	Label       string `json:"label"`
	BaseBundle  string `json:"base_bundle,omitempty"`
	BaseExists  bool   `json:"base_exists,omitempty"`
	BaseETag    string `json:"base_etag,omitempty"`
}

// Upload is one multipart upload in progress. ID and Initiated are
// assigned by the FSM.
type Upload struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	Attrs     map[string]string `json:"attrs,omitempty"`
	Initiated time.Time         `json:"initiated"`
}

// UploadPart is one stored part (a re-upload of the same number replaces it).
type UploadPart struct {
	Number int          `json:"number"`
	ETag   string       `json:"etag"` // hex MD5 of the part
	Size   int64        `json:"size"`
	Chunks []DraftChunk `json:"chunks,omitempty"`
	MTime  int64        `json:"mtime,omitempty"`
	// Checksums are the part's x-amz-checksum-* values (opaque to raftmeta).
	Checksums map[string]string `json:"checksums,omitempty"`
}

// CompletePart names a part in CompleteUpload.
type CompletePart struct {
	Number int    `json:"number"`
	ETag   string `json:"etag"`
}

// DraftCommit asks to turn a draft into a bundle in one command: commit
// Bundle (Parents = [base] or none), move Label (IfMatch base / IfNotExists)
// and delete the draft entries with Seq <= DraftSeq.
type DraftCommit struct {
	Bundle   model.Bundle   `json:"bundle"`
	Label    model.LabelSet `json:"label"`
	DraftSeq uint64         `json:"draft_seq"`
}

func validateDraftPath(p string) error {
	if p == "" || len(p) > maxDraftPath || strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("%w: draft path %q", model.ErrInvalid, p)
	}
	return nil
}

// PutDraft records an object in the repo's draft, replacing any entry for
// its path; cond (optional) is checked atomically in the FSM
// (model.ErrPrecondition, ErrBaseMoved). Returns the stored entry.
func (m *Meta) PutDraft(ctx context.Context, context, repo string, e DraftEntry, cond *PutCondition) (DraftEntry, error) {
	if err := validateRef(context, repo); err != nil {
		return DraftEntry{}, err
	}
	if err := validateDraftPath(e.Path); err != nil {
		return DraftEntry{}, err
	}
	e.Deleted, e.Seq, e.MTime = false, 0, 0
	res, err := m.submitDraft(ctx, opDraftPut, &draftCmd{Context: context, Repo: repo, Entry: &e, Cond: cond})
	if err != nil {
		return DraftEntry{}, err
	}
	return *res.Entry, nil
}

// DeleteDraft records a tombstone for path (hiding the base's file).
func (m *Meta) DeleteDraft(ctx context.Context, context, repo, path string) error {
	if err := validateRef(context, repo); err != nil {
		return err
	}
	if err := validateDraftPath(path); err != nil {
		return err
	}
	_, err := m.submitDraft(ctx, opDraftDelete, &draftCmd{Context: context, Repo: repo, Path: path})
	return err
}

// DeleteDraftIf is DeleteDraft on condition of the path's current head
// (see PutCondition; ErrBaseMoved when the label moved since the caller
// read the base): a conditional S3 DeleteObject.
func (m *Meta) DeleteDraftIf(ctx context.Context, context, repo, path string, cond *PutCondition) error {
	if err := validateRef(context, repo); err != nil {
		return err
	}
	if err := validateDraftPath(path); err != nil {
		return err
	}
	_, err := m.submitDraft(ctx, opDraftDelete, &draftCmd{Context: context, Repo: repo, Path: path, Cond: cond})
	return err
}

// DiscardDraft drops every draft entry of the repo (uploads are kept).
func (m *Meta) DiscardDraft(ctx context.Context, context, repo string) error {
	if err := validateRef(context, repo); err != nil {
		return err
	}
	_, err := m.submitDraft(ctx, opDraftDiscard, &draftCmd{Context: context, Repo: repo})
	return err
}

// CommitDraft commits c.Bundle, moves c.Label with its compare-and-set and
// clears the draft entries with Seq <= c.DraftSeq, in one command.
// model.ErrPrecondition if the label moved.
func (m *Meta) CommitDraft(ctx context.Context, c DraftCommit) (model.Bundle, error) {
	if err := validateRef(c.Bundle.Context, c.Bundle.Repo); err != nil {
		return model.Bundle{}, err
	}
	if c.Bundle.Message == "" {
		return model.Bundle{}, fmt.Errorf("%w: bundle needs a message", model.ErrInvalid)
	}
	if err := model.ValidateLabelName(c.Label.Name); err != nil {
		return model.Bundle{}, err
	}
	c.Bundle.ID = ""
	res, err := m.submitDraft(ctx, opDraftCommit, &draftCmd{Context: c.Bundle.Context, Repo: c.Bundle.Repo, Commit: &c})
	if err != nil {
		return model.Bundle{}, err
	}
	return *res.Bundle, nil
}

// CreateUpload starts a multipart upload for u.Key; the FSM assigns ID and Initiated.
func (m *Meta) CreateUpload(ctx context.Context, context, repo string, u Upload) (Upload, error) {
	if err := validateRef(context, repo); err != nil {
		return Upload{}, err
	}
	if err := validateDraftPath(u.Key); err != nil {
		return Upload{}, err
	}
	res, err := m.submitDraft(ctx, opUploadCreate, &draftCmd{Context: context, Repo: repo, Upload: &u})
	if err != nil {
		return Upload{}, err
	}
	return *res.Upload, nil
}

// PutPart stores (or replaces) a part of an upload (ErrNoSuchUpload).
func (m *Meta) PutPart(ctx context.Context, context, repo, uploadID string, p UploadPart) (UploadPart, error) {
	if err := validateRef(context, repo); err != nil {
		return UploadPart{}, err
	}
	if p.Number < 1 || p.Number > MaxPartNumber {
		return UploadPart{}, fmt.Errorf("%w: part number %d", model.ErrInvalid, p.Number)
	}
	res, err := m.submitDraft(ctx, opUploadPart, &draftCmd{Context: context, Repo: repo, UploadID: uploadID, Part: &p})
	if err != nil {
		return UploadPart{}, err
	}
	return *res.Part, nil
}

// CompleteUpload checks parts (ErrInvalidPartOrder, ErrInvalidPart,
// ErrEntityTooSmall for a non-last part under minPartSize), writes the
// object's draft entry (ETag md5-of-md5s-N, upload's attrs) and deletes the
// upload, in one command. cond is as for PutDraft; attrs (optional) are
// added to (or override) the upload's attrs on the entry.
func (m *Meta) CompleteUpload(ctx context.Context, context, repo, uploadID, key string, parts []CompletePart, minPartSize int64, cond *PutCondition, attrs map[string]string) (DraftEntry, error) {
	if err := validateRef(context, repo); err != nil {
		return DraftEntry{}, err
	}
	if len(parts) == 0 || len(parts) > MaxPartNumber {
		return DraftEntry{}, fmt.Errorf("%w: %d parts", ErrInvalidPart, len(parts))
	}
	res, err := m.submitDraft(ctx, opUploadComplete, &draftCmd{Context: context, Repo: repo, UploadID: uploadID,
		Path: key, Parts: parts, MinPartSize: minPartSize, Cond: cond, Attrs: attrs})
	if err != nil {
		return DraftEntry{}, err
	}
	return *res.Entry, nil
}

// AbortUpload deletes an upload and its parts (ErrNoSuchUpload).
func (m *Meta) AbortUpload(ctx context.Context, context, repo, uploadID string) error {
	if err := validateRef(context, repo); err != nil {
		return err
	}
	_, err := m.submitDraft(ctx, opUploadAbort, &draftCmd{Context: context, Repo: repo, UploadID: uploadID})
	return err
}

// submitDraft runs a draft command and turns its status into an error.
func (m *Meta) submitDraft(ctx context.Context, op string, d *draftCmd) (draftResult, error) {
	res, err := decodeResult[draftResult](m.submit(ctx, &command{Op: op, Draft: d}))
	if err != nil {
		return res, err
	}
	if err := res.err(); err != nil {
		return res, fmt.Errorf("raftmeta: %s %s/%s: %w", op, d.Context, d.Repo, err)
	}
	return res, nil
}
