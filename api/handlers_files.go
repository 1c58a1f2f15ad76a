package api

import (
	"context"
	"fmt"
	"strconv"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Bundle contents for clients that do not decode manifest pages themselves
// (the Python package): listing, one file's entry with its chunk list, and
// committing a bundle from a file list (files_assemble.go). A file's bytes
// are then read chunk by chunk through GET /v1/chunks/{id}, which the node
// verifies against the chunk's BLAKE3 ID before answering.

// Listing bounds.
const (
	// DefaultFileListLimit is the page size of GET .../files without limit.
	DefaultFileListLimit = 1000
	// MaxFileListLimit bounds limit.
	MaxFileListLimit = 10000
)

// fileRoutes are registered by buildRoutes (routes.go).
func fileRoutes() []route {
	get, post := fasthttp.MethodGet, fasthttp.MethodPost
	assemble := newRoute(post, repoPath+"/bundles/assemble", (*Server).assembleBundle)
	assemble.chunkBody = true // a file list with chunk refs can pass MaxJSONBody
	return []route{
		newRoute(get, repoPath+"/bundles/{id}/files", (*Server).listFiles),
		newRoute(get, repoPath+"/bundles/{id}/file", (*Server).getFile),
		assemble,
	}
}

// ChunkRef is one chunk of a file, in order (mirrors manifest.ChunkRef).
type ChunkRef struct {
	ID   chunk.ID `json:"id"`
	Size uint32   `json:"size"`
}

// FileInfo is one entry of a bundle.
type FileInfo struct {
	Path string `json:"path"`
	// Type is "file", "dir" or "symlink".
	Type   string            `json:"type"`
	Size   int64             `json:"size"`
	Mode   uint32            `json:"mode"`
	MTime  int64             `json:"mtime"` // unix nanoseconds
	Target string            `json:"target,omitempty"`
	Chunks []ChunkRef        `json:"chunks,omitempty"` // GET .../file only
	Attrs  map[string]string `json:"attrs,omitempty"`
}

// FileList is one page of GET .../files; Next, when set, is the after value
// of the next page.
type FileList struct {
	Files []FileInfo `json:"files"`
	Next  string     `json:"next,omitempty"`
}

func fileInfo(e manifest.Entry, withChunks bool) FileInfo {
	fi := FileInfo{Path: e.Path, Type: e.Type.String(), Size: e.Size, Mode: e.Mode, MTime: e.MTime,
		Target: e.Target, Attrs: e.Attrs}
	if withChunks {
		fi.Chunks = make([]ChunkRef, len(e.Chunks))
		for i, c := range e.Chunks {
			fi.Chunks[i] = ChunkRef{ID: c.ID, Size: c.Size}
		}
	}
	return fi
}

// bundleReader checks read permission and opens the bundle's manifest (nil
// for a bundle without files).
func (s *Server) bundleReader(ctx context.Context, r *request) (*manifest.Reader, error) {
	c, repo, id := r.params[0], r.params[1], r.params[2]
	if err := r.require(c, repo, model.PermRead); err != nil {
		return nil, err
	}
	b, err := s.meta.GetBundle(ctx, c, repo, id)
	if err != nil {
		return nil, fmt.Errorf("api: bundle %s of %s/%s: %w", id, c, repo, err)
	}
	if b.ManifestRoot.IsZero() {
		return nil, nil
	}
	mr, err := manifest.Open(ctx, chunkSeam{s.chunks}, b.ManifestRoot)
	if err != nil {
		return nil, fmt.Errorf("api: manifest of bundle %s: %w", id, err)
	}
	return mr, nil
}

// parseListLimit reads limit (default DefaultFileListLimit, 1..MaxFileListLimit).
func parseListLimit(v string) (int, error) {
	if v == "" {
		return DefaultFileListLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxFileListLimit {
		return 0, fmt.Errorf("%w: limit %q (1..%d)", model.ErrInvalid, v, MaxFileListLimit)
	}
	return n, nil
}

// listFiles: ?dir=D lists D's immediate children (subdirectories once,
// "" the root); otherwise ?prefix=P lists every entry whose path starts
// with P. Both page with after= (the previous page's next) and limit=.
func (s *Server) listFiles(ctx context.Context, r *request) error {
	q := r.rc.QueryArgs()
	limit, err := parseListLimit(string(q.Peek("limit")))
	if err != nil {
		return err
	}
	after := string(q.Peek("after"))
	mr, err := s.bundleReader(ctx, r)
	if err != nil {
		return err
	}
	out := FileList{Files: []FileInfo{}}
	if mr == nil {
		s.writeJSON(r.rc, fasthttp.StatusOK, out)
		return nil
	}
	if q.Has("dir") {
		es, err := mr.ListDir(ctx, string(q.Peek("dir")), after, limit+1)
		if err != nil {
			return fmt.Errorf("api: list files: %w", err)
		}
		for i, e := range es {
			if i == limit {
				out.Next = manifest.ListKey(es[i-1])
				break
			}
			out.Files = append(out.Files, fileInfo(e, false))
		}
		s.writeJSON(r.rc, fasthttp.StatusOK, out)
		return nil
	}
	from := ""
	if after != "" {
		from = after + "\x00"
	}
	err = mr.WalkFrom(ctx, string(q.Peek("prefix")), from, func(e manifest.Entry) error {
		if len(out.Files) == limit {
			out.Next = out.Files[limit-1].Path
			return manifest.SkipAll
		}
		out.Files = append(out.Files, fileInfo(e, false))
		return nil
	})
	if err != nil {
		return fmt.Errorf("api: list files: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

// getFile answers one entry (?path=P) with its chunk list.
func (s *Server) getFile(ctx context.Context, r *request) error {
	p := string(r.rc.QueryArgs().Peek("path"))
	if err := manifest.ValidatePath(p); err != nil {
		return fmt.Errorf("api: file: %w", err)
	}
	mr, err := s.bundleReader(ctx, r)
	if err != nil {
		return err
	}
	if mr == nil {
		return fmt.Errorf("%w: %q: the bundle has no files", model.ErrNotFound, p)
	}
	e, err := mr.Lookup(ctx, p)
	if err != nil {
		return fmt.Errorf("api: file %q of bundle %s: %w", p, r.params[2], err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, fileInfo(e, true))
	return nil
}
