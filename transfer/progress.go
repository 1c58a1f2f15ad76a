package transfer

import (
	"sync"
	"sync/atomic"
	"time"
)

// Progress is a snapshot of a running transfer.
type Progress struct {
	Op         string // "upload", "download" or "update"
	Files      int64  // entries finished
	TotalFiles int64  // entries expected (upload: grows while a counting walk runs)
	Bytes      int64  // content bytes processed
	TotalBytes int64
	// TotalKnown is false while an upload's counting walk is still running.
	TotalKnown bool
	ChunksNew  int64 // upload: chunks sent (not already stored)
	BytesNew   int64 // upload: bytes sent
	Elapsed    time.Duration
	Done       bool
}

// tracker counts progress with atomics and reports it periodically.
type tracker struct {
	op                    string
	files, bytes          atomic.Int64
	totalFiles, totalByte atomic.Int64
	known                 atomic.Bool
	chunksNew, bytesNew   atomic.Int64
	start                 time.Time
	fn                    func(Progress)
	stopOnce              sync.Once
	stop                  chan struct{}
	done                  chan struct{}
}

func newTracker(op string, cfg Config) *tracker {
	t := &tracker{op: op, start: time.Now(), fn: cfg.Progress, stop: make(chan struct{}), done: make(chan struct{})}
	if t.fn == nil {
		close(t.done)
		return t
	}
	go func() {
		defer close(t.done)
		tick := time.NewTicker(cfg.ProgressEvery)
		defer tick.Stop()
		for {
			select {
			case <-t.stop:
				return
			case <-tick.C:
				t.fn(t.snapshot(false))
			}
		}
	}()
	return t
}

func (t *tracker) snapshot(done bool) Progress {
	return Progress{
		Op: t.op, Files: t.files.Load(), TotalFiles: t.totalFiles.Load(),
		Bytes: t.bytes.Load(), TotalBytes: t.totalByte.Load(), TotalKnown: t.known.Load(),
		ChunksNew: t.chunksNew.Load(), BytesNew: t.bytesNew.Load(),
		Elapsed: time.Since(t.start), Done: done,
	}
}

// finish stops the ticker and reports a last snapshot with Done set.
func (t *tracker) finish() {
	t.stopOnce.Do(func() {
		close(t.stop)
		<-t.done
		if t.fn != nil {
			t.fn(t.snapshot(true))
		}
	})
}
