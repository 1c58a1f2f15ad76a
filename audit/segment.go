package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// segment is one audit-<start unix nanos>.jsonl file.
type segment struct {
	name  string
	start int64 // unix nanos, from the name
	size  int64
	mtime time.Time
	// The time span of its records, learnt when a query first reads the
	// segment once it is closed (spanKnown).
	spanKnown, empty bool
	minT, maxT       time.Time
}

const (
	segPrefix = "audit-"
	segSuffix = ".jsonl"
	dirMode   = 0o700
	fileMode  = 0o600
)

func segName(start int64) string { return fmt.Sprintf("%s%020d%s", segPrefix, start, segSuffix) }

// parseSegName is the start of a segment file name (ok false: not one).
func parseSegName(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, segPrefix)
	if !ok {
		return 0, false
	}
	if s, ok = strings.CutSuffix(s, segSuffix); !ok || len(s) != 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}

// openDir creates the directory, narrows modes and lists the segments.
func (l *Log) openDir() error {
	if err := os.MkdirAll(l.cfg.Dir, dirMode); err != nil {
		return fmt.Errorf("audit: create %s: %w", l.cfg.Dir, err)
	}
	if err := narrow(l.cfg.Dir, dirMode); err != nil {
		return err
	}
	ents, err := os.ReadDir(l.cfg.Dir)
	if err != nil {
		return fmt.Errorf("audit: list %s: %w", l.cfg.Dir, err)
	}
	for _, e := range ents {
		start, ok := parseSegName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(l.cfg.Dir, e.Name())
		if err := narrow(p, fileMode); err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("audit: stat %s: %w", p, err)
		}
		l.segs = append(l.segs, segment{name: e.Name(), start: start, size: info.Size(), mtime: info.ModTime()})
	}
	sort.Slice(l.segs, func(i, j int) bool { return l.segs[i].start < l.segs[j].start })
	return nil
}

// narrow removes group and other permission bits from p.
func narrow(p string, mode fs.FileMode) error {
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("audit: stat %s: %w", p, err)
	}
	if info.Mode().Perm()&^mode != 0 {
		if err := os.Chmod(p, mode); err != nil {
			return fmt.Errorf("audit: narrow mode of %s: %w", p, err)
		}
	}
	return nil
}

// rotate closes the current segment, starts a new one and applies retention.
func (l *Log) rotate() error {
	if l.cur != nil {
		if err := l.cur.Close(); err != nil {
			l.log.Warn("audit: close segment", "err", err)
		}
		l.cur = nil
	}
	start := l.cfg.Clock().UnixNano()
	l.segMu.Lock()
	if n := len(l.segs); n > 0 && start <= l.segs[n-1].start {
		start = l.segs[n-1].start + 1
	}
	l.segMu.Unlock()
	name := segName(start)
	f, err := os.OpenFile(filepath.Join(l.cfg.Dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, fileMode)
	if err != nil {
		return fmt.Errorf("audit: create segment: %w", err)
	}
	if err := syncDir(l.cfg.Dir); err != nil {
		_ = f.Close()
		return err
	}
	l.cur, l.size = f, 0
	l.segMu.Lock()
	l.segs = append(l.segs, segment{name: name, start: start, mtime: l.cfg.Clock()})
	l.segMu.Unlock()
	l.retain()
	return nil
}

// appendSync writes b to the current segment and fsyncs it; a segment that
// failed is abandoned for a new one on the next batch.
func (l *Log) appendSync(b []byte) error {
	if l.cur == nil {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	_, err := l.cur.Write(b)
	if err == nil {
		err = l.cur.Sync()
	}
	if err != nil {
		_ = l.cur.Close()
		l.cur = nil
		return err
	}
	l.size += int64(len(b))
	l.segMu.Lock()
	last := &l.segs[len(l.segs)-1]
	last.size, last.mtime = l.size, l.cfg.Clock()
	l.segMu.Unlock()
	return nil
}

// retain deletes the oldest segments (never the current one) past MaxBytes
// or older than MaxAge.
func (l *Log) retain() {
	l.segMu.Lock()
	defer l.segMu.Unlock()
	var total int64
	for _, s := range l.segs {
		total += s.size
	}
	cutoff := time.Time{}
	if l.cfg.MaxAge > 0 {
		cutoff = l.cfg.Clock().Add(-l.cfg.MaxAge)
	}
	for len(l.segs) > 1 {
		s := l.segs[0]
		if total <= l.cfg.MaxBytes && (cutoff.IsZero() || !s.mtime.Before(cutoff)) {
			break
		}
		if err := os.Remove(filepath.Join(l.cfg.Dir, s.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("audit: retention: remove segment", "segment", s.name, "err", err)
			break
		}
		l.log.Info("audit: retention removed segment", "segment", s.name, "bytes", s.size)
		total -= s.size
		l.segs = l.segs[1:]
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("audit: open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("audit: sync dir: %w", err)
	}
	return nil
}
