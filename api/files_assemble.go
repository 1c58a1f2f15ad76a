package api

import (
	"context"
	"fmt"
	"sort"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// MaxAssembleFiles bounds the files of one POST .../bundles/assemble.
const MaxAssembleFiles = 100000

// AssembleFile is one file of an AssembleRequest: its content is the
// chunks, stored before (PUT /v1/chunks), in order. Type is "file"
// (default), "dir" or "symlink" (Target).
type AssembleFile struct {
	Path   string            `json:"path"`
	Type   string            `json:"type,omitempty"`
	Mode   uint32            `json:"mode,omitempty"`
	MTime  int64             `json:"mtime,omitempty"`
	Target string            `json:"target,omitempty"`
	Chunks []ChunkRef        `json:"chunks,omitempty"`
	Attrs  map[string]string `json:"attrs,omitempty"`
}

// AssembleRequest is the body of POST .../bundles/assemble: the node
// writes the manifest of Files (any order, paths unique) and commits the
// bundle; Label, when set, moves to it in the same Raft command, guarded by
// IfMatch / IfNotExists (a failed guard commits nothing: 412).
type AssembleRequest struct {
	Message     string         `json:"message"`
	Files       []AssembleFile `json:"files"`
	Parents     []string       `json:"parents,omitempty"`
	Label       string         `json:"label,omitempty"`
	IfMatch     string         `json:"if_match,omitempty"`
	IfNotExists bool           `json:"if_not_exists,omitempty"`
	// LabelParent records the bundle Label points at (if any) as a parent.
	LabelParent bool `json:"label_parent,omitempty"`
	// Run names the producing run (its owner's, or an admin's): the bundle
	// becomes an output of the run, as a commit naming one does.
	Run string `json:"run,omitempty"`
}

// assembleEntries validates req's files and returns them as manifest
// entries in path order, with the distinct chunk IDs they use.
func assembleEntries(req *AssembleRequest) ([]manifest.Entry, []chunk.ID, error) {
	if len(req.Files) > MaxAssembleFiles {
		return nil, nil, fmt.Errorf("%w: %d files, at most %d per bundle assembly", model.ErrInvalid, len(req.Files), MaxAssembleFiles)
	}
	es := make([]manifest.Entry, 0, len(req.Files))
	seen := map[chunk.ID]bool{}
	var ids []chunk.ID
	for _, f := range req.Files {
		e := manifest.Entry{Path: f.Path, Mode: f.Mode, MTime: f.MTime, Target: f.Target, Attrs: f.Attrs}
		switch f.Type {
		case "", "file":
			e.Type = manifest.File
		case "dir":
			e.Type = manifest.Dir
		case "symlink":
			e.Type, e.Size = manifest.Symlink, int64(len(f.Target))
		default:
			return nil, nil, fmt.Errorf("%w: %q: type %q (want file, dir or symlink)", model.ErrInvalid, f.Path, f.Type)
		}
		for _, c := range f.Chunks {
			e.Chunks = append(e.Chunks, manifest.ChunkRef{ID: c.ID, Size: c.Size})
			e.Size += int64(c.Size)
			if !seen[c.ID] {
				seen[c.ID] = true
				ids = append(ids, c.ID)
			}
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Path < es[j].Path })
	for i := 1; i < len(es); i++ {
		if es[i].Path == es[i-1].Path {
			return nil, nil, fmt.Errorf("%w: path %q listed twice", model.ErrInvalid, es[i].Path)
		}
	}
	return es, ids, nil
}

// assembleBundle builds the manifest of the request's files (every chunk
// must be stored) and commits it.
func (s *Server) assembleBundle(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermWrite); err != nil {
		return err
	}
	var req AssembleRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if req.Message == "" {
		return fmt.Errorf("%w: a bundle needs a message", model.ErrInvalid)
	}
	who := r.contributor()
	label, err := commitLabel(model.LabelSet{Context: c, Repo: repo, Name: req.Label, Contributor: who,
		IfMatch: req.IfMatch, IfNotExists: req.IfNotExists, AsParent: req.LabelParent})
	if err != nil {
		return err
	}
	if req.Run != "" {
		if err := s.checkRunOutput(ctx, r, req.Run); err != nil {
			return err
		}
	}
	es, ids, err := assembleEntries(&req)
	if err != nil {
		return err
	}
	if err := s.checkStored(ctx, ids); err != nil {
		return err
	}
	w := manifest.NewWriter(ctx, chunkSeam{s.chunks}, manifest.WriterConfig{})
	for _, e := range es {
		if err := w.Add(e); err != nil {
			return fmt.Errorf("api: assemble: %w", err)
		}
	}
	root, err := w.Close()
	if err != nil {
		return fmt.Errorf("api: assemble: %w", err)
	}
	b := model.Bundle{Context: c, Repo: repo, Message: req.Message, Contributors: []model.Contributor{who},
		Parents: req.Parents, Run: req.Run, ManifestRoot: root.ID, FileCount: root.Files, ByteCount: root.Bytes}
	out, err := s.meta.CommitBundle(ctx, b, label)
	if err != nil {
		return fmt.Errorf("api: commit assembled bundle to %s/%s: %w", c, repo, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusCreated, out)
	return nil
}

// checkStored fails with ErrInvalid naming the first chunk that is not stored.
func (s *Server) checkStored(ctx context.Context, ids []chunk.ID) error {
	for len(ids) > 0 {
		n := min(len(ids), MaxHasIDs)
		present, err := s.chunks.Has(ctx, ids[:n])
		if err != nil {
			return fmt.Errorf("api: assemble: check chunks: %w", err)
		}
		for i, ok := range present {
			if !ok {
				return fmt.Errorf("%w: chunk %s is not stored (PUT /v1/chunks first)", model.ErrInvalid, ids[i])
			}
		}
		ids = ids[n:]
	}
	return nil
}
