package lfsbundle

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// TreeFile is an LFS-tracked file of a git tree.
type TreeFile struct {
	Path string
	Mode uint32 // 0o644 or 0o755
	Pointer
}

// git runs git in dir and returns its stdout.
func git(ctx context.Context, dir string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("lfsbundle: git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// ResolveRef returns the commit ref names in the repository at dir.
func ResolveRef(ctx context.Context, dir, ref string) (string, error) {
	if strings.HasPrefix(ref, "-") {
		return "", fmt.Errorf("lfsbundle: ref %q", ref)
	}
	out, err := git(ctx, dir, nil, "rev-parse", "--verify", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// LFSFiles lists the LFS pointer files of commit's tree (git ls-tree; the
// small blobs read with one git cat-file --batch), in path order.
func LFSFiles(ctx context.Context, dir, commit string) ([]TreeFile, error) {
	out, err := git(ctx, dir, nil, "ls-tree", "-r", "-l", "-z", "--full-tree", commit)
	if err != nil {
		return nil, err
	}
	type cand struct {
		path, blob string
		mode       uint32
	}
	var cands []cand
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, path, ok := bytes.Cut(rec, []byte("\t"))
		f := strings.Fields(string(meta))
		if !ok || len(f) != 4 || f[1] != "blob" {
			continue // submodules, trees
		}
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || size > MaxPointerSize {
			continue
		}
		mode := uint32(0o644)
		switch f[0] {
		case "100755":
			mode = 0o755
		case "100644":
		default:
			continue // symlinks are never LFS pointers
		}
		cands = append(cands, cand{path: string(path), blob: f[2], mode: mode})
	}
	if len(cands) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for _, c := range cands {
		in.WriteString(c.blob + "\n")
	}
	raw, err := git(ctx, dir, &in, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	rd := bufio.NewReader(bytes.NewReader(raw))
	var files []TreeFile
	for _, c := range cands {
		hdr, err := rd.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("lfsbundle: cat-file: %w", err)
		}
		f := strings.Fields(hdr)
		if len(f) != 3 {
			return nil, fmt.Errorf("lfsbundle: cat-file header %q", hdr)
		}
		n, _ := strconv.Atoi(f[2])
		body := make([]byte, n+1) // + the '\n' after the contents
		if _, err := io.ReadFull(rd, body); err != nil {
			return nil, fmt.Errorf("lfsbundle: cat-file: %w", err)
		}
		if p, err := ParsePointer(body[:n]); err == nil {
			files = append(files, TreeFile{Path: c.path, Mode: c.mode, Pointer: p})
		}
	}
	return files, nil
}

// ReachableOIDs lists every LFS OID reachable from any ref of the
// repository (git lfs ls-files --all: the whole history).
func ReachableOIDs(ctx context.Context, dir string) (map[string]bool, error) {
	out, err := git(ctx, dir, nil, "lfs", "ls-files", "--all", "--long")
	if err != nil {
		return nil, err
	}
	oids := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 1 && len(f[0]) == 64 {
			oids[f[0]] = true
		}
	}
	return oids, nil
}
