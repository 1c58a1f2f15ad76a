package audit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Log is one node's audit log. Safe for concurrent use.
type Log struct {
	cfg   Config
	log   *slog.Logger
	queue chan item
	quit  chan struct{} // closed by Close: stop accepting, drain, exit
	done  chan struct{} // closed when the writer has exited

	closeOnce sync.Once

	segMu sync.Mutex // guards segs (read by Query, changed by the writer)
	segs  []segment  // oldest first; the last is the one being written
	cur   *os.File   // writer goroutine only
	size  int64      // bytes in cur (writer goroutine only)

	records, dropped, unrecorded, writeErrs atomic.Uint64
}

type item struct {
	rec  Record
	done chan error // nil: nobody waits (Submit)
}

// Open opens (creating) the log directory, narrows its and its files'
// modes, starts a new segment and the writer. Close stops the writer.
func Open(cfg Config) (*Log, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Log{
		cfg: cfg, log: cfg.Logger,
		queue: make(chan item, cfg.QueueSize),
		quit:  make(chan struct{}), done: make(chan struct{}),
	}
	if err := l.openDir(); err != nil {
		return nil, err
	}
	if err := l.rotate(); err != nil {
		return nil, err
	}
	go l.writer()
	return l, nil
}

// Record appends r and returns once it is on disk (fsynced), or with an
// error after ctx ends or Config.WaitTimeout passes (ErrTimeout), or when
// the log is closed (ErrClosed). Use it for writes that succeeded, before
// answering them.
func (l *Log) Record(ctx context.Context, r Record) error {
	timer := time.NewTimer(l.cfg.WaitTimeout)
	defer timer.Stop()
	it := item{rec: l.prepare(r), done: make(chan error, 1)}
	err := func() error {
		select {
		case l.queue <- it:
		case <-l.quit:
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("audit: queue record: %w", ctx.Err())
		case <-timer.C:
			return fmt.Errorf("%w: queue full for %v", ErrTimeout, l.cfg.WaitTimeout)
		}
		select {
		case err := <-it.done:
			return err
		case <-l.done:
			select {
			case err := <-it.done:
				return err
			default:
				return ErrClosed
			}
		case <-ctx.Done():
			return fmt.Errorf("audit: wait for record: %w", ctx.Err())
		case <-timer.C:
			return fmt.Errorf("%w: not on disk after %v", ErrTimeout, l.cfg.WaitTimeout)
		}
	}()
	if err != nil {
		l.unrecorded.Add(1)
	}
	return err
}

// Submit queues r without waiting. It reports false, and counts a drop,
// when the queue is more than half full or the log is closed: refusals
// must not stall the writes that Record waits for.
func (l *Log) Submit(r Record) bool {
	select {
	case <-l.quit:
		l.dropped.Add(1)
		return false
	default:
	}
	if len(l.queue) >= cap(l.queue)/2 {
		l.dropped.Add(1)
		return false
	}
	select {
	case l.queue <- item{rec: l.prepare(r)}:
		return true
	default:
		l.dropped.Add(1)
		return false
	}
}

func (l *Log) prepare(r Record) Record {
	if r.Time.IsZero() {
		r.Time = l.cfg.Clock()
	}
	if r.Node == "" {
		r.Node = l.cfg.Node
	}
	r.Time = r.Time.UTC()
	r.Sanitize()
	return r
}

// Close stops accepting records, writes the queued ones, and stops the
// writer. Records refused after Close count as dropped or unrecorded.
func (l *Log) Close() error {
	l.closeOnce.Do(func() { close(l.quit) })
	<-l.done
	return nil
}

// Metrics are the log's counters and gauges for /metrics.
func (l *Log) Metrics() map[string]float64 {
	l.segMu.Lock()
	var bytes int64
	for _, s := range l.segs {
		bytes += s.size
	}
	l.segMu.Unlock()
	return map[string]float64{
		"datamon_audit_records_total":      float64(l.records.Load()),
		"datamon_audit_dropped_total":      float64(l.dropped.Load()),
		"datamon_audit_unrecorded_total":   float64(l.unrecorded.Load()),
		"datamon_audit_write_errors_total": float64(l.writeErrs.Load()),
		"datamon_audit_queue":              float64(len(l.queue)),
		"datamon_audit_bytes":              float64(bytes),
	}
}

// writer appends batches until Close, then drains the queue.
func (l *Log) writer() {
	defer close(l.done)
	batch := make([]item, 0, l.cfg.BatchSize)
	tick := time.NewTicker(l.retainEvery())
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			l.ageOut()
		case it := <-l.queue:
			batch = l.fill(append(batch[:0], it))
			l.write(batch)
		case <-l.quit:
			for {
				batch = l.fill(batch[:0])
				if len(batch) == 0 {
					break
				}
				l.write(batch)
			}
			if l.cur != nil {
				if err := l.cur.Close(); err != nil {
					l.log.Warn("audit: close segment", "err", err)
				}
			}
			return
		}
	}
}

// fill adds queued items to batch without waiting, up to BatchSize.
func (l *Log) fill(batch []item) []item {
	for len(batch) < l.cfg.BatchSize {
		select {
		case it := <-l.queue:
			batch = append(batch, it)
		default:
			return batch
		}
	}
	return batch
}

// write appends batch with one write and one fsync, then answers waiters.
func (l *Log) write(batch []item) {
	var buf []byte
	for _, it := range batch {
		line, err := it.rec.Encode()
		if err != nil { // cannot happen after Sanitize; keep the log readable
			l.log.Warn("audit: record not encodable", "err", err)
			continue
		}
		buf = append(buf, line...)
	}
	err := l.appendSync(buf)
	if err != nil {
		l.writeErrs.Add(1)
		l.log.Error("audit: write failed; records lost", "records", len(batch), "err", err)
		err = fmt.Errorf("audit: write: %w", err)
	} else {
		l.records.Add(uint64(len(batch)))
	}
	for _, it := range batch {
		if it.done != nil {
			it.done <- err
		}
	}
	if err == nil && l.size >= l.cfg.SegmentBytes {
		if err := l.rotate(); err != nil {
			l.log.Error("audit: rotate", "err", err)
		}
	}
}

// retainEvery is how often the writer applies MaxAge without rotating.
func (l *Log) retainEvery() time.Duration {
	if l.cfg.MaxAge <= 0 {
		return time.Hour
	}
	return min(time.Hour, max(time.Second, l.cfg.MaxAge/8))
}

// ageOut applies MaxAge on a quiet log: a current segment older than half
// of MaxAge is rotated so that it can age out in turn.
func (l *Log) ageOut() {
	if l.cfg.MaxAge > 0 && l.size > 0 {
		l.segMu.Lock()
		start := time.Unix(0, l.segs[len(l.segs)-1].start)
		l.segMu.Unlock()
		if l.cfg.Clock().Sub(start) > l.cfg.MaxAge/2 {
			if err := l.rotate(); err != nil {
				l.log.Error("audit: rotate", "err", err)
			}
			return
		}
	}
	l.retain()
}
