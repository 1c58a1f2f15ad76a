package raftmeta

import (
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Draft command operations (values are part of the log format).
const (
	opDraftPut       = "draft_put"       // Draft{Entry, Cond}
	opDraftDelete    = "draft_delete"    // Draft{Path}
	opDraftDiscard   = "draft_discard"   // Draft{}
	opDraftCommit    = "draft_commit"    // Draft{Commit}
	opUploadCreate   = "upload_create"   // Draft{Upload}
	opUploadPart     = "upload_part"     // Draft{UploadID, Part}
	opUploadComplete = "upload_complete" // Draft{UploadID, Path, Parts, MinPartSize, Cond}
	opUploadAbort    = "upload_abort"    // Draft{UploadID}
)

// draftOps registers the draft ops with decodeCommand (see commands.go).
var draftOps = []string{opDraftPut, opDraftDelete, opDraftDiscard, opDraftCommit,
	opUploadCreate, opUploadPart, opUploadComplete, opUploadAbort}

// draftCmd is the payload of every draft op.
type draftCmd struct {
	Context     string         `json:"context"`
	Repo        string         `json:"repo"`
	Path        string         `json:"path,omitempty"`
	Entry       *DraftEntry    `json:"entry,omitempty"`
	Cond        *PutCondition  `json:"cond,omitempty"`
	Commit      *DraftCommit   `json:"commit,omitempty"`
	Upload      *Upload        `json:"upload,omitempty"`
	UploadID    string         `json:"upload_id,omitempty"`
	Part        *UploadPart    `json:"part,omitempty"`
	Parts       []CompletePart `json:"parts,omitempty"`
	MinPartSize int64          `json:"min_part_size,omitempty"`
	// Attrs are merged into the completed entry's attrs (upload_complete).
	Attrs map[string]string `json:"attrs,omitempty"`
}

// draftResult is the FSM's answer to a draft op; Status "" is success.
type draftResult struct {
	Status string        `json:"status,omitempty"`
	Msg    string        `json:"msg,omitempty"`
	Entry  *DraftEntry   `json:"entry,omitempty"`
	Bundle *model.Bundle `json:"bundle,omitempty"`
	Upload *Upload       `json:"upload,omitempty"`
	Part   *UploadPart   `json:"part,omitempty"`
}

var draftStatusErr = map[string]error{
	"precondition":       model.ErrPrecondition,
	"base_moved":         ErrBaseMoved,
	"no_such_upload":     ErrNoSuchUpload,
	"invalid_part":       ErrInvalidPart,
	"invalid_part_order": ErrInvalidPartOrder,
	"entity_too_small":   ErrEntityTooSmall,
}

func (r draftResult) err() error {
	if r.Status == "" {
		return nil
	}
	if e, ok := draftStatusErr[r.Status]; ok {
		return fmt.Errorf("%w: %s", e, r.Msg)
	}
	return fmt.Errorf("%w: draft status %q", ErrRemote, r.Status)
}

func fail(status, format string, args ...any) ([]byte, error) {
	return mustJSON(draftResult{Status: status, Msg: fmt.Sprintf(format, args...)}), nil
}

func isDraftOp(op string) bool {
	for _, o := range draftOps {
		if o == op {
			return true
		}
	}
	return false
}

// complete reports whether d carries what op needs (decodeCommand).
func (d *draftCmd) complete(op string) bool {
	if d == nil {
		return false
	}
	switch op {
	case opDraftPut:
		return d.Entry != nil
	case opDraftDelete:
		return d.Path != ""
	case opDraftCommit:
		return d.Commit != nil
	case opUploadCreate:
		return d.Upload != nil
	case opUploadPart:
		return d.Part != nil && d.UploadID != ""
	case opUploadComplete, opUploadAbort:
		return d.UploadID != ""
	}
	return true
}
