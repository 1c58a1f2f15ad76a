package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"

	"github.com/datamon-io/datamon/manifest"
)

// fetcher writes manifest entries under a destination with Concurrency
// workers; chunk data in flight is bounded by the budget.
type fetcher struct {
	parent context.Context
	ctx    context.Context
	cfg    Config
	st     retrying
	d      *destDir
	track  *tracker
	mem    *budget
	jobs   chan manifest.Entry
	wg     sync.WaitGroup
	fail   *firstErr

	mu    sync.Mutex
	stats DownloadStats
	dirs  []manifest.Entry // metadata applied at the end, deepest first
}

func newFetcher(parent context.Context, cfg Config, st retrying, d *destDir, t *tracker) *fetcher {
	ctx, cancel := context.WithCancel(parent)
	f := &fetcher{parent: parent, ctx: ctx, cfg: cfg, st: st, d: d, track: t, mem: newBudget(cfg.MaxInFlight),
		jobs: make(chan manifest.Entry), fail: &firstErr{cancel: cancel}}
	for range cfg.Concurrency {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for e := range f.jobs {
				if ctx.Err() != nil {
					continue
				}
				if err := f.write(e); err != nil {
					f.fail.set(err)
				}
			}
		}()
	}
	return f
}

// submit queues e; it fails once the fetcher failed.
func (f *fetcher) submit(e manifest.Entry) error {
	select {
	case f.jobs <- e:
		return nil
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
}

// finish waits for the workers, applies directory metadata, and returns the
// first error (a worker's before the feeder's).
func (f *fetcher) finish(feedErr error) error {
	close(f.jobs)
	f.wg.Wait()
	defer f.fail.cancel()
	if err := f.fail.get(); err != nil {
		return err
	}
	if feedErr != nil {
		return feedErr
	}
	if err := f.parent.Err(); err != nil {
		return err
	}
	sort.Slice(f.dirs, func(i, j int) bool { return f.dirs[i].Path > f.dirs[j].Path })
	for _, e := range f.dirs {
		native := nativePath(e.Path)
		if err := f.d.root.Chmod(native, fileMode(e.Mode)); err != nil {
			return fmt.Errorf("transfer: chmod %q: %w", e.Path, err)
		}
		if err := f.d.root.Chtimes(native, mtimeOf(e), mtimeOf(e)); err != nil {
			return fmt.Errorf("transfer: chtimes %q: %w", e.Path, err)
		}
	}
	return nil
}

// write creates one entry.
func (f *fetcher) write(e manifest.Entry) error {
	defer f.track.files.Add(1)
	switch e.Type {
	case manifest.Dir:
		if err := checkRel(e.Path); err != nil {
			return err
		}
		if err := f.d.mkdirs(e.Path); err != nil {
			return err
		}
		f.mu.Lock()
		f.dirs = append(f.dirs, e)
		f.stats.Dirs++
		f.mu.Unlock()
		return nil
	case manifest.Symlink:
		native, err := f.d.parent(e.Path)
		if err != nil {
			return err
		}
		tmp := f.d.tempName(native)
		if err := f.d.root.Symlink(e.Target, tmp); err != nil {
			return fmt.Errorf("transfer: symlink %q: %w", e.Path, err)
		}
		if err := f.d.root.Rename(tmp, native); err != nil {
			_ = f.d.root.Remove(tmp)
			return fmt.Errorf("transfer: symlink %q: %w", e.Path, err)
		}
		if err := f.d.lchtimes(native, mtimeOf(e)); err != nil {
			return fmt.Errorf("transfer: symlink %q: times: %w", e.Path, err)
		}
		f.mu.Lock()
		f.stats.Symlinks++
		f.mu.Unlock()
		return nil
	case manifest.File:
		return f.writeFile(e)
	}
	return fmt.Errorf("%w: %q has type %v", manifest.ErrBadEntry, e.Path, e.Type)
}

// writeFile fetches a file's chunks in parallel into a temporary file next to
// the target, then renames it into place and sets mode and mtime.
func (f *fetcher) writeFile(e manifest.Entry) error {
	native, err := f.d.parent(e.Path)
	if err != nil {
		return err
	}
	tmp := f.d.tempName(native)
	out, err := f.d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("transfer: create %q: %w", e.Path, err)
	}
	err = f.fetchInto(out, e)
	if err == nil {
		err = out.Chmod(fileMode(e.Mode))
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.d.root.Rename(tmp, native)
	}
	if err != nil {
		_ = f.d.root.Remove(tmp)
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("transfer: write %q: %w", e.Path, err)
	}
	if err := f.d.root.Chtimes(native, mtimeOf(e), mtimeOf(e)); err != nil {
		return fmt.Errorf("transfer: chtimes %q: %w", e.Path, err)
	}
	f.mu.Lock()
	f.stats.Files++
	f.stats.Bytes += e.Size
	f.mu.Unlock()
	return nil
}

func (f *fetcher) fetchInto(out *os.File, e manifest.Entry) error {
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	fail := &firstErr{cancel: cancel}
	var wg sync.WaitGroup
	var off int64
	for _, c := range e.Chunks {
		n := int64(c.Size)
		if err := f.mem.acquire(ctx, n); err != nil {
			fail.set(err)
			break
		}
		wg.Add(1)
		go func(off int64) {
			defer wg.Done()
			defer f.mem.release(n)
			b, err := f.st.GetChunk(ctx, c.ID)
			if err == nil && int64(len(b)) != n {
				err = fmt.Errorf("%w: chunk %s has %d bytes, manifest says %d", manifest.ErrCorrupt, c.ID, len(b), n)
			}
			if err == nil {
				_, err = out.WriteAt(b, off)
			}
			if err != nil {
				fail.set(err)
				return
			}
			f.track.bytes.Add(n)
		}(off)
		off += n
	}
	wg.Wait()
	return fail.get()
}
