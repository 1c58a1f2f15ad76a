package membership

import "sync"

// EventType says what happened to a member.
type EventType int

const (
	// EventJoin: a member became alive (joined or rejoined).
	EventJoin EventType = iota + 1
	// EventLeave: a member left gracefully or was declared dead (see Member.State).
	EventLeave
	// EventUpdate: a member's Meta changed.
	EventUpdate
)

func (t EventType) String() string {
	switch t {
	case EventJoin:
		return "join"
	case EventLeave:
		return "leave"
	case EventUpdate:
		return "update"
	}
	return "unknown"
}

// Event is delivered to subscribers.
type Event struct {
	Type   EventType
	Member Member
}

// subBuffer is each subscriber's channel capacity.
const subBuffer = 256

// fanout delivers events to subscribers without ever blocking the sender.
type fanout struct {
	mu      sync.Mutex
	subs    map[int]chan Event
	next    int
	closed  bool
	dropped uint64
}

func newFanout() *fanout { return &fanout{subs: make(map[int]chan Event)} }

func (f *fanout) subscribe() (<-chan Event, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan Event, subBuffer)
	if f.closed {
		close(ch)
		return ch, func() {}
	}
	id := f.next
	f.next++
	f.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			if c, ok := f.subs[id]; ok {
				delete(f.subs, id)
				close(c)
			}
		})
	}
}

func (f *fanout) publish(ev Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.subs {
		select {
		case ch <- ev:
		default:
			f.dropped++
		}
	}
}

func (f *fanout) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for id, ch := range f.subs {
		delete(f.subs, id)
		close(ch)
	}
}

func (f *fanout) droppedCount() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dropped
}
