package cas

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// Topology is what the service needs to know about the cluster. The node
// implements it from raftmeta (layouts) and membership (liveness, sites).
type Topology interface {
	// Layouts returns the layouts still holding data, newest first; [0] is
	// where writes go.
	Layouts() []layout.Layout
	// Alive reports whether gossip currently considers the node reachable.
	Alive(layout.NodeID) bool
	// LocalSite is the site of the node running the service.
	LocalSite() string
	// Site returns the site of a node ("" when unknown).
	Site(layout.NodeID) string
}

// ShardIO moves shards to and from one node. The node implements it with its
// local shard.Store for itself and the signed peer RPC for the others.
// GetShard must return errors wrapping shard.ErrNotFound / shard.ErrCorrupt
// for missing / corrupt shards.
type ShardIO interface {
	PutShard(ctx context.Context, n layout.NodeID, k shard.Key, b []byte) error
	GetShard(ctx context.Context, n layout.NodeID, k shard.Key) ([]byte, error)
	HasShards(ctx context.Context, n layout.NodeID, keys []shard.Key) ([]bool, error)
}

// Service is the cluster chunk service. See the package documentation.
type Service struct {
	cfg      Config
	log      *slog.Logger
	topo     Topology
	io       ShardIO
	ctx      context.Context // service lifetime: background writes and repairs
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	life     sync.Mutex // guards isClosed against wg.Add racing Close's wg.Wait
	isClosed bool

	codecMu sync.Mutex
	codecs  map[layout.Policy]*erasure.Codec

	placers placers
	stats   counters
	repairs *repairQueue
}

// New starts a service and its repair loop. Zero-valued Config fields take
// their DefaultConfig values.
func New(cfg Config, topo Topology, shards ShardIO) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if topo == nil || shards == nil {
		return nil, fmt.Errorf("%w: nil Topology or ShardIO", ErrInvalidConfig)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		cfg: cfg, log: log, topo: topo, io: shards, ctx: ctx, cancel: cancel,
		codecs: map[layout.Policy]*erasure.Codec{},
	}
	s.repairs = newRepairQueue(cfg.MaxPending)
	s.spawn(s.repairLoop)
	return s, nil
}

// Close stops background writes and the repair loop (dropping the queue) and
// waits for them. It is idempotent.
func (s *Service) Close() error {
	s.life.Lock()
	s.isClosed = true
	s.cancel()
	s.life.Unlock()
	s.wg.Wait()
	return nil
}

// spawn runs fn in a goroutine that Close waits for; it returns false (and
// does not run fn) once the service is closed.
func (s *Service) spawn(fn func()) bool {
	s.life.Lock()
	defer s.life.Unlock()
	if s.isClosed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}

// Pending is the number of shard writes waiting in the repair queue.
func (s *Service) Pending() int { return s.repairs.len() }

func (s *Service) closed() bool { return s.ctx.Err() != nil }

// codec returns the cached codec for p.
func (s *Service) codec(p layout.Policy) (*erasure.Codec, error) {
	s.codecMu.Lock()
	defer s.codecMu.Unlock()
	if c, ok := s.codecs[p]; ok {
		return c, nil
	}
	c, err := erasure.New(p.K, p.M)
	if err != nil {
		return nil, fmt.Errorf("cas: codec %s: %w", p, err)
	}
	s.codecs[p] = c
	return c, nil
}

// layouts returns the topology's layouts or ErrNoLayout.
func (s *Service) layouts() ([]layout.Layout, error) {
	ls := s.topo.Layouts()
	if len(ls) == 0 {
		return nil, ErrNoLayout
	}
	return ls, nil
}
