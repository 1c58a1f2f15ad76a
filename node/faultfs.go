package node

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Test-only disk faults (hidden flag --test-fault-file, fault-injection
// suites such as jepsen's eio-shards nemesis). The shard store runs on a
// faultFS whose reads of matching files fail with EIO, as a disk with bad
// sectors answers. The rules live in a file the harness rewrites while the
// node runs, so a fault starts and ends without a restart:
//
//	# comment
//	eio <glob>      reads (Read, ReadAt) of files whose base name matches fail with EIO
//
// An empty or missing file injects nothing. Rules take effect only once the
// shard store is open (arm): EIO while opening is the shard store's own
// concern, tested in-process; a harness fault must not turn a restart by
// another nemesis into a crash loop.

// faultRefresh bounds how often the rules file is re-read.
const faultRefresh = 100 * time.Millisecond

// parseFaultRules parses the rules file: the globs of its eio lines.
func parseFaultRules(b []byte) ([]string, error) {
	var globs []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || f[0] != "eio" {
			return nil, fmt.Errorf("%w: fault rules line %d: %q: want \"eio <glob>\"", ErrConfig, n, line)
		}
		if _, err := filepath.Match(f[1], "x"); err != nil || strings.Contains(f[1], "/") {
			return nil, fmt.Errorf("%w: fault rules line %d: bad glob %q", ErrConfig, n, f[1])
		}
		globs = append(globs, f[1])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: fault rules: %v", ErrConfig, err)
	}
	return globs, nil
}

// faultRules is the current rule set, re-read from path when it changes.
type faultRules struct {
	path     string
	log      *slog.Logger
	armed    atomic.Bool
	injected atomic.Uint64

	mu      sync.Mutex
	checked time.Time
	mtime   time.Time
	size    int64
	globs   []string
}

// eio reports whether a read of name must fail.
func (r *faultRules) eio(name string) bool {
	if !r.armed.Load() {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= faultRefresh {
		r.checked = now
		r.reload()
	}
	base := filepath.Base(name)
	for _, g := range r.globs {
		if ok, _ := filepath.Match(g, base); ok {
			if r.injected.Add(1) == 1 || r.injected.Load()%1000 == 0 {
				r.log.Warn("test fault: injecting EIO", "file", name, "rule", g, "injected", r.injected.Load())
			}
			return true
		}
	}
	return false
}

// reload re-reads the rules file if it changed; a bad file keeps the old
// rules (logged). Caller holds r.mu.
func (r *faultRules) reload() {
	st, err := os.Stat(r.path)
	if err != nil {
		if len(r.globs) > 0 {
			r.log.Warn("test fault: rules file gone, faults cleared", "path", r.path)
		}
		r.globs, r.mtime, r.size = nil, time.Time{}, 0
		return
	}
	if st.ModTime().Equal(r.mtime) && st.Size() == r.size {
		return
	}
	b, err := os.ReadFile(r.path)
	if err != nil {
		return
	}
	globs, err := parseFaultRules(b)
	if err != nil {
		r.log.Error("test fault: bad rules file, keeping the old rules", "path", r.path, "err", err)
		return
	}
	r.mtime, r.size, r.globs = st.ModTime(), st.Size(), globs
	r.log.Warn("test fault: rules changed", "path", r.path, "eio", globs)
}

// faultFS injects the rules' faults into reads of files opened through it.
type faultFS struct {
	vfs.FS
	rules *faultRules
}

func (fs faultFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.Open(name, opts...)
	if err != nil {
		return nil, err
	}
	return faultFile{File: f, name: name, rules: fs.rules}, nil
}

type faultFile struct {
	vfs.File
	name  string
	rules *faultRules
}

func (f faultFile) err() error {
	return &os.PathError{Op: "read", Path: f.name, Err: syscall.EIO}
}

func (f faultFile) Read(p []byte) (int, error) {
	if f.rules.eio(f.name) {
		return 0, f.err()
	}
	return f.File.Read(p)
}

func (f faultFile) ReadAt(p []byte, off int64) (int, error) {
	if f.rules.eio(f.name) {
		return 0, f.err()
	}
	return f.File.ReadAt(p, off)
}
