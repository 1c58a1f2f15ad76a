package cas

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// repairKey names one shard write: which shard goes to which node.
type repairKey struct {
	node layout.NodeID
	key  shard.Key
}

// errNotAlive: the owner is dead in the topology's view; no RPC was made.
var errNotAlive = errors.New("node not alive")

// errDropped: the write is abandoned (its node left every layout).
var errDropped = errors.New("repair dropped")

type repairItem struct {
	repairKey
	data     []byte
	due      time.Time
	backoff  time.Duration
	attempts int
	inflight bool
	index    int // heap index, -1 when not in the heap
}

// repairQueue is an in-memory set of shard writes ordered by due time. It is
// lost on restart (see the package documentation).
type repairQueue struct {
	mu    sync.Mutex
	max   int
	items map[repairKey]*repairItem
	due   dueHeap
	wake  chan struct{}
}

func newRepairQueue(max int) *repairQueue {
	return &repairQueue{max: max, items: map[repairKey]*repairItem{}, wake: make(chan struct{}, 1)}
}

func (q *repairQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// add queues data for node; it returns false when the queue is full. A write
// already queued for the same shard and node is kept (shards are immutable).
func (q *repairQueue) add(node layout.NodeID, key shard.Key, data []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	rk := repairKey{node, key}
	if _, ok := q.items[rk]; ok {
		return true
	}
	if len(q.items) >= q.max {
		return false
	}
	it := &repairItem{repairKey: rk, data: data, due: time.Now(), index: -1}
	q.items[rk] = it
	heap.Push(&q.due, it)
	q.signal()
	return true
}

// next pops the earliest due item, or reports how long until one is due
// (0 with a nil item when the queue is empty).
func (q *repairQueue) next(now time.Time) (*repairItem, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.due) == 0 {
		return nil, 0
	}
	it := q.due[0]
	if wait := it.due.Sub(now); wait > 0 {
		return nil, wait
	}
	heap.Pop(&q.due)
	it.inflight = true
	return it, 0
}

// done removes a successful item or reschedules a failed one.
func (q *repairQueue) done(it *repairItem, ok bool, minB, maxB time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	it.inflight = false
	if ok {
		delete(q.items, it.repairKey)
		return
	}
	it.attempts++
	it.backoff = min(max(it.backoff*2, minB), maxB)
	it.due = time.Now().Add(it.backoff)
	heap.Push(&q.due, it)
	q.signal()
}

// signal wakes the repair loop (it re-reads the earliest due time).
func (q *repairQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// repairLoop retries queued shard writes until Close.
func (s *Service) repairLoop() {
	q := s.repairs
	sem := make(chan struct{}, s.cfg.RepairParallelism)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		it, wait := q.next(time.Now())
		if it == nil {
			if wait == 0 {
				wait = time.Hour
			}
			timer.Reset(wait)
			select {
			case <-s.ctx.Done():
				return
			case <-q.wake:
			case <-timer.C:
			}
			continue
		}
		select {
		case <-s.ctx.Done():
			return
		case sem <- struct{}{}:
		}
		started := s.spawn(func() {
			defer func() { <-sem }()
			err := s.repairOne(it)
			if errors.Is(err, errDropped) {
				q.done(it, true, s.cfg.RepairBackoffMin, s.cfg.RepairBackoffMax)
				return
			}
			if err != nil && s.ctx.Err() == nil && !errors.Is(err, errNotAlive) {
				s.log.Warn("cas: repair write failed", "node", it.node, "chunk", it.key.Chunk,
					"index", it.key.Index, "attempt", it.attempts+1, "err", err)
			}
			q.done(it, err == nil, s.cfg.RepairBackoffMin, s.cfg.RepairBackoffMax)
			if err == nil {
				s.stats.repaired.Add(1)
			}
		})
		if !started {
			return
		}
	}
}

// repairOne writes one queued shard. Shards for nodes no longer in any layout
// are dropped (the repair scan will place them anew).
func (s *Service) repairOne(it *repairItem) error {
	known := false
	for _, l := range s.topo.Layouts() {
		if _, ok := l.Node(it.node); ok {
			known = true
			break
		}
	}
	if !known {
		s.log.Warn("cas: dropping repair for node outside every layout", "node", it.node, "chunk", it.key.Chunk)
		return errDropped
	}
	if !s.topo.Alive(it.node) {
		return fmt.Errorf("cas: repair %s/%d: node %s: %w", it.key.Chunk, it.key.Index, it.node, errNotAlive)
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.ShardTimeout)
	defer cancel()
	if err := s.io.PutShard(ctx, it.node, it.key, it.data); err != nil {
		return fmt.Errorf("cas: repair %s/%d on %s: %w", it.key.Chunk, it.key.Index, it.node, err)
	}
	return nil
}

// enqueueRepair queues a shard write, counting and logging a full queue.
func (s *Service) enqueueRepair(node layout.NodeID, key shard.Key, data []byte) {
	if !s.repairs.add(node, key, data) {
		s.stats.dropped.Add(1)
		s.log.Warn("cas: repair queue full, shard left to the repair scan",
			"node", node, "chunk", key.Chunk, "index", key.Index)
	}
}

type dueHeap []*repairItem

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *dueHeap) Push(x any) {
	it := x.(*repairItem)
	it.index = len(*h)
	*h = append(*h, it)
}
func (h *dueHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	it.index = -1
	*h = old[:len(old)-1]
	return it
}
