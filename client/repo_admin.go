package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// MaxFileListBytes bounds a --files list read by ParseFileList (the API
// takes at most 10000 paths per call anyway).
const MaxFileListBytes = 4 << 20

// DeleteFilesResult is the answer of DeleteFiles (mirrors api.DeleteFilesResult).
type DeleteFilesResult struct {
	Bundles []BundleFilesRemoved `json:"bundles"` // every bundle of the repo, in ID order
	Removed int                  `json:"removed"` // entries removed over all bundles
	Missing []string             `json:"missing,omitempty"`
}

// BundleFilesRemoved is what DeleteFiles did to one bundle.
type BundleFilesRemoved struct {
	ID        string   `json:"id"`
	Removed   []string `json:"removed"`
	OldRoot   chunk.ID `json:"old_root"`
	NewRoot   chunk.ID `json:"new_root"`
	FileCount uint64   `json:"file_count"`
	ByteCount uint64   `json:"byte_count"`
}

// RenameRepo renames a repo with its bundles, labels and grants in one
// metadata command (admin on both names). model.ErrExists if newName
// exists; ErrPrecondition while the repo has an open S3 draft or upload.
// Not resent after a possibly applied attempt (a resend would answer
// "not found").
func (c *Client) RenameRepo(ctx context.Context, ctxName, repo, newName string) (model.RepoRenamed, error) {
	var out model.RepoRenamed
	if err := checkNames("context", ctxName, "repo", repo, "new name", newName); err != nil {
		return out, err
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, repoPath(ctxName, repo)+"/rename", false,
		map[string]string{"new_name": newName}, &out)
	return out, err
}

// DeleteFiles removes paths (normalized: see CleanPath) from every bundle
// of the repo (admin). The node rewrites the manifests and swaps them with
// compare-and-set; model.ErrPrecondition means another rewrite raced this
// one and nothing changed. Not resent after a possibly applied attempt, so
// that the report is the one of the call that did the work (running it
// again is harmless: it then removes nothing).
func (c *Client) DeleteFiles(ctx context.Context, ctxName, repo string, paths []string) (DeleteFilesResult, error) {
	var out DeleteFilesResult
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return out, err
	}
	if len(paths) == 0 {
		return out, fmt.Errorf("%w: no paths to delete", model.ErrInvalid)
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, repoPath(ctxName, repo)+"/delete-files", false,
		map[string][]string{"paths": paths}, &out)
	return out, err
}

// CleanPath normalizes a path inside a bundle as users write it: "./a//b/"
// becomes "a/b". It rejects (model.ErrInvalid) empty paths, absolute paths,
// any ".." segment (path traversal: a bundle path never leaves the bundle),
// and NUL bytes.
func CleanPath(p string) (string, error) {
	switch {
	case p == "":
		return "", fmt.Errorf("%w: empty path", model.ErrInvalid)
	case strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("%w: %q is absolute: give the path inside the bundle", model.ErrInvalid, p)
	case strings.IndexByte(p, 0) >= 0:
		return "", fmt.Errorf("%w: %q contains a NUL byte", model.ErrInvalid, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return "", fmt.Errorf("%w: %q has a \"..\" segment (path traversal)", model.ErrInvalid, p)
		}
	}
	cp := path.Clean(p)
	if cp == "." {
		return "", fmt.Errorf("%w: %q names the bundle root, not a file", model.ErrInvalid, p)
	}
	return cp, nil
}

// ParseFileList reads a --files list: one bundle path per line, "\n" or
// "\r\n" line ends; blank lines are skipped, other lines are taken as they
// are (no trimming: a name may start or end with a space) and normalized
// with CleanPath. Duplicates are dropped, first occurrence order kept. An
// invalid line fails the whole list with its line number; an empty list is
// an error too.
func ParseFileList(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxFileListBytes+1))
	sc.Buffer(make([]byte, 0, 64<<10), MaxFileListBytes+1)
	seen := map[string]bool{}
	var out []string
	total, n := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		total += len(sc.Bytes()) + 1
		if total > MaxFileListBytes {
			return nil, fmt.Errorf("%w: file list is larger than %d bytes", model.ErrInvalid, MaxFileListBytes)
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		p, err := CleanPath(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("%w: file list is larger than %d bytes", model.ErrInvalid, MaxFileListBytes)
	} else if err != nil {
		return nil, fmt.Errorf("%w: file list: %v", model.ErrInvalid, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the file list names no path", model.ErrInvalid)
	}
	return out, nil
}
