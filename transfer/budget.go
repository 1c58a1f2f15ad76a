package transfer

import (
	"context"
	"sync"
	"time"
)

// budget is a weighted semaphore over bytes of chunk data held in memory.
type budget struct {
	mu     sync.Mutex
	avail  int64
	notify chan struct{} // closed and replaced on every release
}

func newBudget(n int64) *budget { return &budget{avail: n, notify: make(chan struct{})} }

func (b *budget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.avail >= n {
		b.avail -= n
		return true
	}
	return false
}

func (b *budget) acquire(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		if b.avail >= n {
			b.avail -= n
			b.mu.Unlock()
			return nil
		}
		ch := b.notify
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// acquireWithin is acquire that gives up (false, nil) after d; an error
// means ctx ended.
func (b *budget) acquireWithin(ctx context.Context, n int64, d time.Duration) (bool, error) {
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if b.acquire(tctx, n) == nil {
		return true, nil
	}
	return false, ctx.Err()
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.avail += n
	close(b.notify)
	b.notify = make(chan struct{})
	b.mu.Unlock()
}

// firstErr keeps the first error of a group and cancels the group's context.
type firstErr struct {
	mu     sync.Mutex
	err    error
	cancel context.CancelFunc
}

func (f *firstErr) set(err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
		f.cancel()
	}
}

func (f *firstErr) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
