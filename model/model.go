package model

import (
	"time"

	"github.com/datamon-io/datamon/chunk"
)

// DefaultContext is the context that always exists.
const DefaultContext = "default"

// DefaultHeadLabel is the head label of a repo that does not choose one.
const DefaultHeadLabel = "main"

// Contributor identifies who made a change.
type Contributor struct {
	Name  string `json:"name" yaml:"name"`
	Email string `json:"email" yaml:"email"`
}

// Context is a namespace of repos (tenant, dev/prod).
type Context struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Timestamp   time.Time   `json:"timestamp"`
	Contributor Contributor `json:"contributor"`
}

// Repo is a named series of bundles inside a context.
type Repo struct {
	Context     string      `json:"context"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Timestamp   time.Time   `json:"timestamp"`
	Contributor Contributor `json:"contributor"`
	// HeadLabel is the repo's working head: the label `bundle upload` moves
	// by default, and the label the S3 bucket of the repo reads and commits
	// to. Empty (repos created before it existed): DefaultHeadLabel.
	HeadLabel string `json:"head_label,omitempty"`
	// S3 is the repo's bucket configuration set through the S3 gateway
	// (bucket tags); nil when none was set (repo_s3.go).
	S3 *RepoS3 `json:"s3,omitempty"`
}

// Head returns the repo's head label (DefaultHeadLabel when unset).
func (r Repo) Head() string {
	if r.HeadLabel == "" {
		return DefaultHeadLabel
	}
	return r.HeadLabel
}

// Bundle is one immutable snapshot of a tree. ID and Timestamp are assigned
// by the Raft leader at commit; IDs sort in commit order within the cluster.
type Bundle struct {
	Context      string        `json:"context"`
	Repo         string        `json:"repo"`
	ID           string        `json:"id"`
	Message      string        `json:"message"`
	Contributors []Contributor `json:"contributors"`
	Timestamp    time.Time     `json:"timestamp"`
	Parents      []string      `json:"parents,omitempty"`
	// ManifestRoot is the chunk holding the root of the bundle's file list.
	ManifestRoot chunk.ID `json:"manifest_root"`
	FileCount    uint64   `json:"file_count"`
	ByteCount    uint64   `json:"byte_count"`
	// Run is the pipeline run that produced the bundle (run.go), if any:
	// a commit that names a running run adds the bundle to its outputs in
	// the same Raft command.
	Run string `json:"run,omitempty"`
}

// Label is a movable name for a bundle.
type Label struct {
	Context     string      `json:"context"`
	Repo        string      `json:"repo"`
	Name        string      `json:"name"`
	BundleID    string      `json:"bundle_id"`
	Timestamp   time.Time   `json:"timestamp"`
	Contributor Contributor `json:"contributor"`
}

// LabelMove is one entry of a label's history.
type LabelMove struct {
	Name        string      `json:"name"`
	From        string      `json:"from,omitempty"` // empty: the label was created
	To          string      `json:"to"`
	Timestamp   time.Time   `json:"timestamp"`
	Contributor Contributor `json:"contributor"`
}

// LabelSet asks to point a label at a bundle.
type LabelSet struct {
	Context     string      `json:"context"`
	Repo        string      `json:"repo"`
	Name        string      `json:"name"`
	BundleID    string      `json:"bundle_id"`
	Contributor Contributor `json:"contributor"`
	// IfMatch, when set, makes the move conditional on the label currently
	// pointing at this bundle ID.
	IfMatch string `json:"if_match,omitempty"`
	// IfNotExists makes the move conditional on the label not existing.
	IfNotExists bool `json:"if_not_exists,omitempty"`
	// AsParent, in a bundle commit that moves the label, records the
	// bundle the label points at (if any) as a parent of the new bundle,
	// read in the same Raft command (so no concurrent move is missed).
	AsParent bool `json:"as_parent,omitempty"`
}

// Permission levels on a repo, ordered.
type Permission int

// Permissions, weakest first.
const (
	PermNone Permission = iota
	PermRead
	PermWrite
	PermAdmin
)

// AccessKey is a user's credential. The secret is kept because SigV4
// verification needs it.
type AccessKey struct {
	ID          string      `json:"id"`
	Secret      string      `json:"secret"`
	Contributor Contributor `json:"contributor"`
	// Root keys have admin on everything.
	Root bool `json:"root"`
	// Grants maps "context/repo" (or "context/*") to a permission.
	Grants map[string]Permission `json:"grants,omitempty"`
	// User names the User this key belongs to ("" for the bootstrap root
	// key of a cluster created before users existed).
	User string `json:"user,omitempty"`
	// Created is when the key was created (leader's clock).
	Created time.Time `json:"created,omitzero"`
	// OldSecret stays valid until OldSecretUntil after a rotation (grace
	// period), so a pipeline can roll its secret without downtime.
	OldSecret      string    `json:"old_secret,omitempty"`
	OldSecretUntil time.Time `json:"old_secret_until,omitzero"`
	// SecretGen and OldSecretGen name the generation of Secret and of
	// OldSecret: the Raft log index of the command that set that secret
	// (create, replace or rotate), assigned by the state machine (what a
	// client sends is ignored). A write's auth stamp names the generation
	// it was signed with (caller.go), so a secret rotated away, or a key
	// deleted and created again under the same ID, never authorises it.
	// 0 on keys written before generations existed.
	SecretGen    uint64 `json:"secret_gen,omitempty"`
	OldSecretGen uint64 `json:"old_secret_gen,omitempty"`
}
