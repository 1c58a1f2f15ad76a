package audit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Query reads this node's records matching q: the latest q.Limit of them,
// oldest first. A closed segment's time span is learnt on its first read
// and lets later queries skip it.
func (l *Log) Query(ctx context.Context, q Query) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	l.segMu.Lock()
	segs := append([]segment(nil), l.segs...)
	l.segMu.Unlock()
	res := Result{Node: l.cfg.Node}
	keep := newTail(q.limit())
	for i, s := range segs {
		if s.spanKnown && (s.empty || (!q.Since.IsZero() && s.maxT.Before(q.Since)) || (!q.Until.IsZero() && !s.minT.Before(q.Until))) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("audit: query: %w", err)
		}
		sp, err := readSegment(filepath.Join(l.cfg.Dir, s.name), q, keep)
		if err != nil {
			return Result{}, err
		}
		res.Skipped += sp.skipped
		if i < len(segs)-1 && !s.spanKnown { // closed: immutable from now on
			l.learnSpan(s.name, sp)
		}
	}
	res.Records, res.Truncated = keep.sorted()
	return res, nil
}

// span is what reading a segment saw.
type span struct {
	minT, maxT time.Time
	n, skipped int
}

func (sp *span) see(t time.Time) {
	if sp.n == 0 || t.Before(sp.minT) {
		sp.minT = t
	}
	if sp.n == 0 || t.After(sp.maxT) {
		sp.maxT = t
	}
	sp.n++
}

func (l *Log) learnSpan(name string, sp span) {
	l.segMu.Lock()
	defer l.segMu.Unlock()
	for i := range l.segs {
		if l.segs[i].name == name {
			s := &l.segs[i]
			s.spanKnown, s.empty, s.minT, s.maxT = true, sp.n == 0, sp.minT, sp.maxT
		}
	}
}

// readSegment feeds the matching records of one segment to keep and
// returns its span and how many lines it could not parse.
func readSegment(path string, q Query, keep *tail) (span, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return span{}, nil // removed by retention meanwhile
	}
	if err != nil {
		return span{}, fmt.Errorf("audit: open segment: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var sp span
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			sp.skipped++
			for errors.Is(err, bufio.ErrBufferFull) { // an overlong line: skip it whole
				_, err = br.ReadSlice('\n')
			}
			if err == nil {
				continue
			}
			if errors.Is(err, io.EOF) {
				return sp, nil
			}
			return sp, fmt.Errorf("audit: read segment: %w", err)
		}
		if len(line) > 0 && err == nil {
			if r, perr := ParseRecord(line); perr != nil {
				sp.skipped++
			} else {
				sp.see(r.Time)
				if q.Match(r) {
					keep.add(r)
				}
			}
		} else if len(line) > 0 && errors.Is(err, io.EOF) {
			sp.skipped++ // a torn last line (crash) or one being written
		}
		if errors.Is(err, io.EOF) {
			return sp, nil
		}
		if err != nil {
			return sp, fmt.Errorf("audit: read segment: %w", err)
		}
	}
}

// tail keeps the latest n records added (a ring).
type tail struct {
	n     int
	buf   []Record
	next  int
	total int
}

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) add(r Record) {
	t.total++
	if len(t.buf) < t.n {
		t.buf = append(t.buf, r)
		return
	}
	t.buf[t.next] = r
	t.next = (t.next + 1) % t.n
}

// sorted is the kept records by time (stable: log order for equal times)
// and whether some were left out.
func (t *tail) sorted() ([]Record, bool) {
	out := append(append([]Record(nil), t.buf[t.next:]...), t.buf[:t.next]...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if out == nil {
		out = []Record{}
	}
	return out, t.total > len(out)
}

// Merge merges per-node results (each in time order) into one, in time
// order, keeping the latest limit records (0: DefaultLimit).
func Merge(limit int, results ...Result) Result {
	if limit <= 0 {
		limit = DefaultLimit
	}
	var all []Record
	out := Result{}
	for _, r := range results {
		all = append(all, r.Records...)
		out.Truncated = out.Truncated || r.Truncated
		out.Skipped += r.Skipped
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	if len(all) > limit {
		all, out.Truncated = all[len(all)-limit:], true
	}
	if all == nil {
		all = []Record{}
	}
	out.Records = all
	return out
}
