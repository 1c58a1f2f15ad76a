package fusefs

import (
	"container/list"
	"sync"
)

// lru is a cost-bounded least-recently-used map, safe for concurrent use.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int64
	used  int64
	ll    *list.List
	items map[K]*list.Element
	cost  func(K, V) int64
}

type lruItem[K comparable, V any] struct {
	k    K
	v    V
	cost int64
}

func newLRU[K comparable, V any](max int64, cost func(K, V) int64) *lru[K, V] {
	return &lru[K, V]{max: max, ll: list.New(), items: map[K]*list.Element{}, cost: cost}
}

func (l *lru[K, V]) get(k K) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[k]; ok {
		l.ll.MoveToFront(e)
		return e.Value.(*lruItem[K, V]).v, true
	}
	var zero V
	return zero, false
}

func (l *lru[K, V]) put(k K, v V) {
	c := l.cost(k, v)
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[k]; ok {
		it := e.Value.(*lruItem[K, V])
		l.used += c - it.cost
		it.v, it.cost = v, c
		l.ll.MoveToFront(e)
	} else {
		l.items[k] = l.ll.PushFront(&lruItem[K, V]{k, v, c})
		l.used += c
	}
	for l.used > l.max && l.ll.Len() > 1 {
		e := l.ll.Back()
		it := e.Value.(*lruItem[K, V])
		l.ll.Remove(e)
		delete(l.items, it.k)
		l.used -= it.cost
	}
}

func (l *lru[K, V]) remove(k K) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[k]; ok {
		l.used -= e.Value.(*lruItem[K, V]).cost
		l.ll.Remove(e)
		delete(l.items, k)
	}
}

// clear drops every item.
func (l *lru[K, V]) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ll.Init()
	l.items = map[K]*list.Element{}
	l.used = 0
}

// size returns the item count and the cost in use.
func (l *lru[K, V]) size() (int, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ll.Len(), l.used
}
