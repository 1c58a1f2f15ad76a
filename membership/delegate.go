package membership

import (
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// State is a member's liveness as seen by this node.
type State int

const (
	// Alive: reachable (memberlist may privately suspect it; see package doc).
	Alive State = iota
	// Suspect: failed probes, not yet declared dead. Reserved: memberlist
	// v0.7.0 does not expose suspicion, so Members does not report it today.
	Suspect
	// Dead: declared failed by the cluster.
	Dead
	// Left: left gracefully.
	Left
)

func (s State) String() string {
	switch s {
	case Alive:
		return "alive"
	case Suspect:
		return "suspect"
	case Dead:
		return "dead"
	case Left:
		return "left"
	}
	return "unknown"
}

// Member is one node in the gossip view.
type Member struct {
	Meta
	Addr  string // gossip address host:port
	State State
}

type entry struct {
	member  Member
	leaving bool
	downAt  time.Time // when it became Dead or Left
}

// view is the memberlist delegate and event delegate: it serves our meta and
// maintains the member table from memberlist's notifications. memberlist
// calls the notify methods while holding its own locks, so view never calls
// back into memberlist.
type view struct {
	log    *slog.Logger
	out    *fanout
	forget time.Duration // drop Dead/Left entries after this long (0: never)

	mu      sync.Mutex
	local   Meta
	meta    []byte // encoded local meta
	leaving bool
	members map[string]*entry
}

func newView(local Meta, forget time.Duration, log *slog.Logger) (*view, error) {
	b, err := encodeMeta(local, false)
	if err != nil {
		return nil, err
	}
	return &view{log: log, out: newFanout(), forget: forget, local: local, meta: b, members: make(map[string]*entry)}, nil
}

// setLocal replaces the published meta.
func (v *view) setLocal(m Meta, leaving bool) error {
	b, err := encodeMeta(m, leaving)
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.local, v.meta, v.leaving = m, b, leaving
	v.mu.Unlock()
	return nil
}

func (v *view) localMeta() Meta {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.local
}

func (v *view) snapshot() []Member {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]Member, 0, len(v.members))
	for id, e := range v.members {
		if v.forget > 0 && !e.downAt.IsZero() && time.Since(e.downAt) > v.forget {
			delete(v.members, id)
			continue
		}
		out = append(out, e.member)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// --- memberlist.Delegate ---

func (v *view) NodeMeta(limit int) []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.meta) > limit { // cannot happen: encodeMeta enforces MaxMetaSize
		return nil
	}
	return append([]byte(nil), v.meta...)
}

func (v *view) NotifyMsg([]byte)                           {}
func (v *view) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (v *view) LocalState(join bool) []byte                { return nil }
func (v *view) MergeRemoteState(buf []byte, join bool)     {}

// --- memberlist.EventDelegate ---

func (v *view) NotifyJoin(n *memberlist.Node)   { v.record(n, EventJoin) }
func (v *view) NotifyUpdate(n *memberlist.Node) { v.record(n, EventUpdate) }
func (v *view) NotifyLeave(n *memberlist.Node)  { v.record(n, EventLeave) }

func (v *view) record(n *memberlist.Node, typ EventType) {
	meta, leaving, err := decodeMeta(n.Meta)
	if err != nil {
		v.log.Warn("undecodable node meta", "node", n.Name, "addr", n.Address(), "err", err)
		meta = Meta{ID: n.Name}
	}
	if meta.ID != n.Name {
		v.log.Warn("node meta id differs from node name", "node", n.Name, "meta_id", meta.ID)
		meta.ID = n.Name
	}
	v.mu.Lock()
	e, ok := v.members[n.Name]
	if !ok {
		e = &entry{}
		v.members[n.Name] = e
	}
	e.member.Meta = meta
	e.member.Addr = n.Address()
	switch typ {
	case EventJoin:
		e.member.State = Alive
		e.leaving = leaving
		e.downAt = time.Time{}
	case EventUpdate:
		e.leaving = leaving
	case EventLeave:
		if e.leaving || leaving {
			e.member.State = Left
		} else {
			e.member.State = Dead
		}
		e.downAt = time.Now()
	}
	m := e.member
	v.mu.Unlock()
	v.out.publish(Event{Type: typ, Member: m})
}

// markLocalLeft records that this node itself has left.
func (v *view) markLocalLeft() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.members[v.local.ID]; ok {
		e.member.State = Left
		e.downAt = time.Now()
	}
}
