package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// UploadOptions describe one upload.
type UploadOptions struct {
	Config
	Context, Repo string
	// Path is the directory to upload; its contents become the bundle's root.
	Path string
	// Files, when not nil, limits the upload to these paths (relative to
	// Path, slash-separated, e.g. from ParseFileList); a listed directory
	// brings its whole subtree.
	Files   []string
	Message string
	Label   string // moved to the new bundle in the commit when set
	// LabelParent records the bundle Label points at (if any) as the new
	// bundle's parent, atomically with the label move (needs Label and a
	// Committer that is a LabelParentCommitter).
	LabelParent  bool
	Contributors []model.Contributor
	// SkipOnError skips unreadable files (logged) instead of failing.
	SkipOnError bool
}

// UploadStats describe a finished upload.
//
// JSON keys are snake_case, like every other `--output json` of the CLI.
type UploadStats struct {
	Files        int64    `json:"files"`
	Dirs         int64    `json:"dirs"`
	Symlinks     int64    `json:"symlinks"`
	Skipped      int64    `json:"skipped"`    // unreadable or special files left out
	Bytes        int64    `json:"bytes"`      // content bytes of the files
	Chunks       int64    `json:"chunks"`     // chunk references in the manifest
	ChunksNew    int64    `json:"chunks_new"` // chunks actually sent (not already stored)
	BytesNew     int64    `json:"bytes_new"`  // bytes actually sent
	ManifestRoot chunk.ID `json:"manifest_root"`
}

// upJob is one walked path; its result comes back with the same seq.
type upJob struct {
	seq  int
	item walkItem
}

type upResult struct {
	seq   int
	entry manifest.Entry
	skip  bool
}

// Upload walks opt.Path (or opt.Files), stores every missing chunk and the
// manifest through store, then commits the bundle (and label) with one
// CommitBundle call. Nothing is committed if anything fails before.
func Upload(ctx context.Context, store Store, com Committer, opt UploadOptions) (model.Bundle, UploadStats, error) {
	var stats UploadStats
	cfg := opt.Config.withDefaults()
	if err := cfg.Validate(); err != nil {
		return model.Bundle{}, stats, err
	}
	opt.Config = cfg
	if opt.Repo == "" || opt.Path == "" {
		return model.Bundle{}, stats, fmt.Errorf("%w: upload needs a repo and a path", ErrBadConfig)
	}
	if fi, err := os.Stat(opt.Path); err != nil || !fi.IsDir() {
		return model.Bundle{}, stats, fmt.Errorf("%w: upload path %q is not a directory (%v)", ErrBadConfig, opt.Path, err)
	}
	lpc, _ := com.(LabelParentCommitter)
	if opt.LabelParent && (opt.Label == "" || lpc == nil) {
		return model.Bundle{}, stats, fmt.Errorf("%w: LabelParent needs a label and a LabelParentCommitter", ErrBadConfig)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := &firstErr{cancel: cancel}
	onErr := func(rel string, err error) error {
		if opt.SkipOnError {
			cfg.Logger.Warn("transfer: skipping unreadable path", "path", rel, "err", err)
			return nil
		}
		return sourceErr(rel, err)
	}
	newWalk := func() (*walker, error) {
		if opt.Files != nil {
			return newListWalker(opt.Path, opt.Files, onErr)
		}
		return newWalker(opt.Path, onErr), nil
	}
	w, err := newWalk()
	if err != nil {
		return model.Bundle{}, stats, err
	}
	track := newTracker("upload", cfg)
	defer track.finish()
	if cfg.Progress != nil {
		go countTree(ctx, newWalk, track)
	}
	st := retrying{s: store, cfg: cfg}
	snd := newSender(ctx, cfg, st, fail, track)

	window := make(chan struct{}, 2*cfg.Concurrency)
	jobs := make(chan upJob)
	results := make(chan upResult, 2*cfg.Concurrency)
	go func() { // walker: paths in order, at most len(window) ahead of the writer
		defer close(jobs)
		for seq := 0; ; seq++ {
			it, err := w.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				fail.set(err)
				return
			}
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- upJob{seq: seq, item: it}:
			case <-ctx.Done():
				return
			}
		}
	}()
	workersDone := make(chan struct{})
	go func() {
		defer close(workersDone)
		defer close(results)
		done := make(chan struct{}, cfg.Concurrency)
		for range cfg.Concurrency {
			go func() {
				defer func() { done <- struct{}{} }()
				for j := range jobs {
					r := upResult{seq: j.seq, skip: true}
					if ctx.Err() == nil {
						var err error
						r.entry, r.skip, err = uploadEntry(ctx, snd, opt, j.item)
						fail.set(err)
					}
					results <- r
				}
			}()
		}
		for range cfg.Concurrency {
			<-done
		}
	}()

	mw := manifest.NewWriter(ctx, st, manifest.WriterConfig{})
	pending := map[int]upResult{}
	next := 0
	for r := range results {
		pending[r.seq] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-window
			if r.skip || ctx.Err() != nil {
				stats.Skipped += b2i(r.skip && ctx.Err() == nil)
				continue
			}
			if err := mw.Add(r.entry); err != nil {
				if opt.SkipOnError && errors.Is(err, model.ErrInvalid) {
					cfg.Logger.Warn("transfer: skipping entry", "path", r.entry.Path, "err", err)
					stats.Skipped++
					continue
				}
				fail.set(fmt.Errorf("transfer: manifest: %w", err))
				continue
			}
			countEntry(&stats, r.entry)
			if r.entry.Type != manifest.File {
				track.files.Add(1) // a file counts once its puts are acknowledged (sender)
			}
		}
	}
	<-workersDone
	snd.wait(ctx)
	stats.ChunksNew, stats.BytesNew = track.chunksNew.Load(), track.bytesNew.Load()
	if err := fail.get(); err != nil {
		return model.Bundle{}, stats, err
	}
	if err := ctx.Err(); err != nil {
		return model.Bundle{}, stats, err
	}
	root, err := mw.Close()
	if err != nil {
		return model.Bundle{}, stats, fmt.Errorf("transfer: manifest: %w", err)
	}
	stats.ManifestRoot = root.ID
	nb := model.Bundle{
		Context: opt.Context, Repo: opt.Repo, Message: opt.Message, Contributors: opt.Contributors,
		ManifestRoot: root.ID, FileCount: root.Files, ByteCount: root.Bytes,
	}
	var b model.Bundle
	if opt.LabelParent {
		b, err = lpc.CommitBundleOnLabel(ctx, nb, opt.Label)
	} else {
		b, err = com.CommitBundle(ctx, nb, opt.Label)
	}
	if err != nil {
		return model.Bundle{}, stats, fmt.Errorf("transfer: commit bundle: %w", err)
	}
	return b, stats, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func countEntry(s *UploadStats, e manifest.Entry) {
	switch e.Type {
	case manifest.File:
		s.Files++
		s.Bytes += e.Size
		s.Chunks += int64(len(e.Chunks))
	case manifest.Dir:
		s.Dirs++
	case manifest.Symlink:
		s.Symlinks++
	}
}

// uploadEntry turns one walked path into a manifest entry, sending a file's
// missing chunks. skip reports a path left out (special file, or an
// unreadable one with SkipOnError).
func uploadEntry(ctx context.Context, snd *sender, opt UploadOptions, it walkItem) (manifest.Entry, bool, error) {
	fi := it.info
	e := manifest.Entry{Path: it.rel, Mode: unixMode(fi.Mode()), MTime: fi.ModTime().UnixNano()}
	abs := filepath.Join(opt.Path, filepath.FromSlash(it.rel))
	switch fi.Mode().Type() {
	case 0:
		e.Type = manifest.File
		f, err := os.OpenFile(abs, os.O_RDONLY|oNoFollow, 0)
		if err == nil {
			e.Chunks, err = snd.send(ctx, it.rel, f)
			_ = f.Close()
		} else {
			err = sourceErr(it.rel, err)
		}
		if err != nil {
			if opt.SkipOnError && errors.Is(err, ErrSourceFile) {
				opt.Logger.Warn("transfer: skipping unreadable file", "path", it.rel, "err", err)
				return e, true, nil
			}
			return e, true, err
		}
		for _, c := range e.Chunks {
			e.Size += int64(c.Size)
		}
	case fs.ModeDir:
		e.Type = manifest.Dir
	case fs.ModeSymlink:
		t, err := os.Readlink(abs)
		if err != nil {
			if opt.SkipOnError {
				opt.Logger.Warn("transfer: skipping unreadable symlink", "path", it.rel, "err", err)
				return e, true, nil
			}
			return e, true, sourceErr(it.rel, err)
		}
		e.Type, e.Target, e.Size, e.Mode = manifest.Symlink, t, int64(len(t)), 0o777
	default:
		opt.Logger.Warn("transfer: skipping special file", "path", it.rel, "mode", fi.Mode().String())
		return e, true, nil
	}
	return e, false, nil
}

// countTree walks the source a second time, only to learn the totals for
// progress reporting.
func countTree(ctx context.Context, newWalk func() (*walker, error), t *tracker) {
	w, err := newWalk()
	if err != nil {
		return
	}
	w.onErr = func(string, error) error { return nil }
	for ctx.Err() == nil {
		it, err := w.next()
		if err != nil {
			break
		}
		t.totalFiles.Add(1)
		if it.info.Mode().IsRegular() {
			t.totalByte.Add(it.info.Size())
		}
	}
	t.known.Store(ctx.Err() == nil)
}
