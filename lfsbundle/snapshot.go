package lfsbundle

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// AttrOID is the manifest attribute holding a snapshot file's LFS OID.
const AttrOID = "lfs.oid"

// Cluster is what Snapshot and GC need (*client.Client).
type Cluster interface {
	LFSObject(ctx context.Context, ctxName, repo, oid string) (model.LFSObject, error)
	LFSObjects(ctx context.Context, ctxName, repo, after string, limit int) (client.LFSObjectPage, error)
	DeleteLFSObjects(ctx context.Context, ctxName, repo string, oids []string, before time.Time) (int, error)
	ListBundles(ctx context.Context, ctxName, repo string) ([]model.Bundle, error)
	CommitBundle(ctx context.Context, b model.Bundle, label string) (model.Bundle, error)
	PutChunk(ctx context.Context, data []byte) (chunk.ID, error)
	GetChunk(ctx context.Context, id chunk.ID) ([]byte, error)
}

// ErrMissing: the ref names LFS objects the cluster does not hold.
var ErrMissing = errors.New("lfsbundle: LFS objects not in the cluster")

// SnapshotOptions describe one snapshot.
type SnapshotOptions struct {
	Context, Repo string
	GitDir, Ref   string
	Label         string // moved to the bundle when set
	Message       string // default "lfs snapshot <ref> <commit>"
	Contributor   model.Contributor
}

// SnapshotResult is the committed bundle and what it holds.
type SnapshotResult struct {
	Bundle model.Bundle `json:"bundle"`
	Commit string       `json:"commit"`
	Files  int          `json:"files"`
	Bytes  int64        `json:"bytes"`
}

// Snapshot commits a bundle of the LFS files of opt.Ref: each file's
// chunk list is the LFS object's, so no object byte is read or copied
// (only the manifest pages are written). Every object must be in the
// cluster (ErrMissing names the first few absent); nothing is committed
// otherwise.
func Snapshot(ctx context.Context, cl Cluster, opt SnapshotOptions) (SnapshotResult, error) {
	var res SnapshotResult
	if opt.Repo == "" || opt.GitDir == "" || opt.Ref == "" {
		return res, fmt.Errorf("%w: snapshot needs a repo, a git dir and a ref", model.ErrInvalid)
	}
	commit, err := ResolveRef(ctx, opt.GitDir, opt.Ref)
	if err != nil {
		return res, err
	}
	files, err := LFSFiles(ctx, opt.GitDir, commit)
	if err != nil {
		return res, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var entries []manifest.Entry
	var missing []string
	for _, f := range files {
		o, err := cl.LFSObject(ctx, opt.Context, opt.Repo, f.OID)
		if errors.Is(err, model.ErrNotFound) || (err == nil && o.Size != f.Size) {
			missing = append(missing, f.Path+" ("+f.OID[:12]+")")
			continue
		}
		if err != nil {
			return res, fmt.Errorf("lfsbundle: object of %s: %w", f.Path, err)
		}
		e := manifest.Entry{Path: f.Path, Type: manifest.File, Size: o.Size, Mode: f.Mode,
			Attrs: map[string]string{AttrOID: o.OID}}
		for _, c := range o.Chunks {
			e.Chunks = append(e.Chunks, manifest.ChunkRef{ID: c.ID, Size: c.Size})
		}
		entries = append(entries, e)
		res.Bytes += o.Size
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 5 {
			more, missing = fmt.Sprintf(" and %d more", len(missing)-5), missing[:5]
		}
		return res, fmt.Errorf("%w: %s%s (push them first)", ErrMissing, strings.Join(missing, ", "), more)
	}
	w := manifest.NewWriter(ctx, cl, manifest.WriterConfig{})
	for _, e := range entries {
		if err := w.Add(e); err != nil {
			return res, fmt.Errorf("lfsbundle: %s: %w", e.Path, err)
		}
	}
	root, err := w.Close()
	if err != nil {
		return res, err
	}
	msg := opt.Message
	if msg == "" {
		msg = "lfs snapshot " + opt.Ref + " " + commit
	}
	b := model.Bundle{Context: opt.Context, Repo: opt.Repo, Message: msg, ManifestRoot: root.ID,
		FileCount: root.Files, ByteCount: root.Bytes}
	if opt.Contributor != (model.Contributor{}) {
		b.Contributors = []model.Contributor{opt.Contributor}
	}
	if res.Bundle, err = cl.CommitBundle(ctx, b, opt.Label); err != nil {
		return res, err
	}
	res.Commit, res.Files = commit, len(entries)
	return res, nil
}
