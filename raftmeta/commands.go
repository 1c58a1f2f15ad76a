package raftmeta

import (
	"encoding/json"
	"fmt"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
)

// cmdVersion is the first byte of every encoded command. A future format
// gets a new version; decoders reject versions they do not know.
const cmdVersion byte = 1

// Command operations. Values are part of the log format: never renumber.
const (
	opInit          = "init"           // default context, initial layout, root key (each only if absent)
	opCreateContext = "create_context" // Context
	opCreateRepo    = "create_repo"    // Repo
	opDeleteRepo    = "delete_repo"    // Ref
	opCommitBundle  = "commit_bundle"  // Bundle (+ Label)
	opSetLabel      = "set_label"      // Label
	opPutAccessKey  = "put_access_key" // Key
	opLayoutAdd     = "layout_add"     // Nodes
	opLayoutRemove  = "layout_remove"  // NodeID
	opSetPolicy     = "set_policy"     // Policy
	opRetireLayouts = "retire_layouts" // UpTo
)

var knownOps = map[string]bool{
	opInit: true, opCreateContext: true, opCreateRepo: true, opDeleteRepo: true,
	opCommitBundle: true, opSetLabel: true, opPutAccessKey: true, opLayoutAdd: true,
	opLayoutRemove: true, opSetPolicy: true, opRetireLayouts: true,
	opLayoutCapacity: true, opSetRepairRate: true, opRebalanceDone: true, // durability.go
	opDraftPut: true, opDraftDelete: true, opDraftDiscard: true, opDraftCommit: true, // S3 drafts (draft_fsm.go)
	opUploadCreate: true, opUploadPart: true, opUploadComplete: true, opUploadAbort: true,
	opSquash:     true,                        // squash.go
	opRenameRepo: true, opSwapManifests: true, // rename.go, delete_files.go
}

// repoRef names a repo.
type repoRef struct {
	Context string `json:"context"`
	Name    string `json:"name"`
}

// command is one FSM mutation. Time (unix nanoseconds) is stamped by the
// leader right before raft.Apply; ReqID is chosen by the node that received
// the call and suppresses duplicate application of retries.
type command struct {
	Op      string           `json:"op"`
	ReqID   string           `json:"req,omitempty"`
	Time    int64            `json:"t,omitempty"`
	Context *model.Context   `json:"context,omitempty"`
	Repo    *model.Repo      `json:"repo,omitempty"`
	Ref     *repoRef         `json:"ref,omitempty"`
	Bundle  *model.Bundle    `json:"bundle,omitempty"`
	Label   *model.LabelSet  `json:"label,omitempty"`
	Key     *model.AccessKey `json:"key,omitempty"`
	Policy  *layout.Policy   `json:"policy,omitempty"`
	Nodes   []layout.Node    `json:"nodes,omitempty"`
	NodeID  string           `json:"node,omitempty"`
	UpTo    uint64           `json:"up_to,omitempty"`
	Draft   *draftCmd        `json:"draft,omitempty"` // S3 draft / multipart ops (draft_fsm.go)
	Dur     *durabilityCmd   `json:"dur,omitempty"`   // durability.go
	Squash  *squashCmd       `json:"sq,omitempty"`    // squash.go
	Rename  *renameCmd       `json:"ren,omitempty"`   // rename.go
	Swap    *swapCmd         `json:"swap,omitempty"`  // delete_files.go
	User    *model.User      `json:"user,omitempty"`  // identity_fsm.go
	Ident   *identCmd        `json:"ident,omitempty"` // identity_fsm.go
	LFS     *lfsCmd          `json:"lfs,omitempty"`   // lfs.go
	Run     *runCmd          `json:"run,omitempty"`   // runs.go
	Req     *requestStamp    `json:"rq,omitempty"`    // client request ID (request.go)
	Auth    *authStamp       `json:"auth,omitempty"`  // the access key it is made with (authstamp.go)
}

// encodeCommand returns version byte + JSON; commands larger than
// MaxCommandSize fail with model.ErrInvalid.
func encodeCommand(c *command) ([]byte, error) {
	js, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("raftmeta: encode %s: %w", c.Op, err)
	}
	if len(js)+1 > MaxCommandSize {
		return nil, fmt.Errorf("%w: %s command is %d bytes, limit %d", model.ErrInvalid, c.Op, len(js)+1, MaxCommandSize)
	}
	out := make([]byte, 0, len(js)+1)
	out = append(out, cmdVersion)
	return append(out, js...), nil
}

// decodeCommand parses an encoded command and checks its shape: the op is
// known and carries the payload it needs.
func decodeCommand(b []byte) (*command, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadCommand)
	}
	if len(b) > MaxCommandSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds limit", ErrBadCommand, len(b))
	}
	if b[0] != cmdVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrBadCommand, b[0])
	}
	var c command
	if err := json.Unmarshal(b[1:], &c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	if !knownOps[c.Op] {
		return nil, fmt.Errorf("%w: unknown op %q", ErrBadCommand, c.Op)
	}
	missing := false
	switch c.Op {
	case opCreateContext:
		missing = c.Context == nil
	case opCreateRepo:
		missing = c.Repo == nil
	case opDeleteRepo:
		missing = c.Ref == nil
	case opCommitBundle:
		missing = c.Bundle == nil
	case opSetLabel:
		missing = c.Label == nil
	case opPutAccessKey:
		missing = c.Key == nil
	case opSetPolicy:
		missing = c.Policy == nil
	case opLayoutRemove:
		missing = c.NodeID == ""
	case opLayoutCapacity, opSetRepairRate, opRebalanceDone:
		missing = c.Dur == nil
	case opSquash:
		missing = c.Squash == nil
	case opDraftPut, opDraftDelete, opDraftDiscard, opDraftCommit, // S3 drafts (draft_fsm.go)
		opUploadCreate, opUploadPart, opUploadComplete, opUploadAbort:
		missing = !c.Draft.complete(c.Op)
	case opRenameRepo:
		missing = c.Rename == nil
	case opSwapManifests:
		missing = c.Swap == nil
	case opLFSPutObject, opLFSDeleteObjects, opLFSLock, opLFSUnlock: // lfs.go
		missing = c.LFS == nil
	case opRunStart, opRunMetrics, opRunInputs, opRunHeartbeat, opRunFinish, opRunUpdate: // runs.go
		missing = c.Run == nil
	case opRunExpire:
	default:
		missing = identMissing(&c) // identity_fsm.go
	}
	if missing {
		return nil, fmt.Errorf("%w: %s without payload", ErrBadCommand, c.Op)
	}
	if err := c.Req.check(); err != nil { // request.go
		return nil, err
	}
	if c.Auth != nil {
		if err := c.Auth.validate(); err != nil { // authstamp.go
			return nil, fmt.Errorf("%w: %s: %w", ErrBadCommand, c.Op, err)
		}
	}
	return &c, nil
}
