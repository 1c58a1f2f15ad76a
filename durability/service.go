package durability

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// Service is one node's durability machinery. See the package doc.
type Service struct {
	cfg   Config
	log   *slog.Logger
	self  layout.NodeID
	topo  Topology
	io    ShardIO
	chunk Chunks
	store Store
	meta  Meta
	peers Peers

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	repairLim *rate.Limiter
	scrubLim  *rate.Limiter
	kick      chan struct{} // run a repair pass now

	repairMu sync.Mutex // serialises repair passes
	scrubMu  sync.Mutex // serialises scrub passes

	mu        sync.Mutex
	downSince map[layout.NodeID]time.Time
	codecs    map[layout.Policy]*erasure.Codec
	seqs      []seqSample
	clusterRt uint64    // last read cluster-wide repair rate
	reported  uint64    // last layout version reported rebalanced
	gcHold    time.Time // until then (or this node's sweep) repair writes no shard: a gc is collecting
	lastVer   uint64    // layout version seen by trackLiveness

	st stats
}

// New starts the service's background loops.
func New(cfg Config, topo Topology, io ShardIO, chunks Chunks, store Store, meta Meta, peers Peers) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if topo == nil || io == nil || chunks == nil || store == nil || meta == nil || peers == nil {
		return nil, fmt.Errorf("%w: nil dependency", ErrInvalidConfig)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		cfg: cfg, log: cfg.Logger, self: layout.NodeID(cfg.NodeID), topo: topo, io: io, chunk: chunks,
		store: store, meta: meta, peers: peers, ctx: ctx, cancel: cancel,
		kick: make(chan struct{}, 1), downSince: map[layout.NodeID]time.Time{},
		codecs: map[layout.Policy]*erasure.Codec{},
	}
	s.repairLim = rate.NewLimiter(rate.Limit(s.RepairRate()), burstFor(s.RepairRate()))
	s.scrubLim = rate.NewLimiter(rate.Limit(cfg.ScrubRate), burstFor(cfg.ScrubRate))
	s.sampleSeq()
	s.loop(cfg.LivenessInterval, nil, s.trackLiveness)
	s.loop(cfg.SettingsInterval, nil, s.refreshSettings)
	s.loop(cfg.SeqSampleInterval, nil, func(context.Context) { s.sampleSeq() })
	s.loop(cfg.RepairInterval, s.kick, func(ctx context.Context) { s.runRepairPass(ctx) })
	if cfg.ScrubInterval > 0 {
		s.loop(cfg.ScrubInterval, nil, func(ctx context.Context) { s.runScrubPass(ctx) })
	}
	return s, nil
}

// burstFor is the token bucket depth for a rate: a tenth of a second of
// writes, between 64 KiB and 4 MiB; waits are split to fit it.
func burstFor(r uint64) int { return int(min(max(r/10, 64<<10), 4<<20)) }

// Close stops the loops and waits for them. Idempotent.
func (s *Service) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// Kick asks for a repair pass now (e.g. after a layout change).
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// loop runs fn every interval (and whenever wake fires) until Close.
func (s *Service) loop(every time.Duration, wake <-chan struct{}, fn func(context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-t.C:
			case <-wake:
			}
			fn(s.ctx)
		}
	}()
}

// RepairRate is the effective repair pace in bytes/s.
func (s *Service) RepairRate() uint64 {
	if s.cfg.RepairRate > 0 {
		return s.cfg.RepairRate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clusterRt > 0 {
		return s.clusterRt
	}
	return DefaultRepairRate
}

func (s *Service) refreshSettings(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	r, err := s.meta.RepairRate(ctx)
	if err != nil {
		s.log.Debug("durability: read repair rate", "err", err)
		return
	}
	s.mu.Lock()
	s.clusterRt = r
	s.mu.Unlock()
	r = s.RepairRate()
	s.repairLim.SetLimit(rate.Limit(r))
	s.repairLim.SetBurst(burstFor(r))
}

// trackLiveness records since when each layout node has been unreachable.
func (s *Service) trackLiveness(context.Context) {
	now := time.Now()
	seen := map[layout.NodeID]bool{}
	ls := s.topo.Layouts()
	if len(ls) > 0 {
		s.mu.Lock()
		changed := s.lastVer != 0 && ls[0].Version != s.lastVer
		s.lastVer = ls[0].Version
		s.mu.Unlock()
		if changed {
			s.Kick() // a new layout version: move shards now
		}
	}
	for _, l := range ls {
		for _, n := range l.Nodes {
			if seen[n.ID] {
				continue
			}
			seen[n.ID] = true
			alive := n.ID == s.self || s.topo.Alive(n.ID)
			s.mu.Lock()
			if _, down := s.downSince[n.ID]; alive {
				delete(s.downSince, n.ID)
			} else if !down {
				s.downSince[n.ID] = now
			}
			s.mu.Unlock()
		}
	}
}

// lost reports whether n has been unreachable for longer than RepairDelay.
func (s *Service) lost(n layout.NodeID, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	since, down := s.downSince[n]
	return down && now.Sub(since) >= s.cfg.RepairDelay
}

// effective returns l without the nodes lost for longer than RepairDelay:
// where repair puts shards until those nodes return or are removed. With
// none lost it equals l. Otherwise l's nodes become the last history entry, so
// every surviving owner keeps its shard index and only the lost nodes'
// indexes go to replacements (shard/place_history.go).
func (s *Service) effective(l layout.Layout) layout.Layout {
	s.trackLiveness(s.ctx)
	now := time.Now()
	var keep []layout.Node
	for _, n := range l.Nodes {
		if !s.lost(n.ID, now) {
			keep = append(keep, n)
		}
	}
	out, err := l.Successor(keep) // appends l.Nodes to the history if any node is lost
	if err != nil {               // keep is a subset of a valid layout: cannot fail
		return l
	}
	out.Version = l.Version // not a new version: the same layout, seen by repair
	return out
}

func (s *Service) codec(p layout.Policy) (*erasure.Codec, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.codecs[p]; ok {
		return c, nil
	}
	c, err := erasure.New(p.K, p.M)
	if err != nil {
		return nil, fmt.Errorf("durability: codec %s: %w", p, err)
	}
	s.codecs[p] = c
	return c, nil
}

// waitBytes paces n bytes through lim (split to fit the burst).
func waitBytes(ctx context.Context, lim *rate.Limiter, n int) error {
	for n > 0 {
		step := min(n, lim.Burst())
		if err := lim.WaitN(ctx, step); err != nil {
			return err
		}
		n -= step
	}
	return nil
}

// placers caches one Placer per policy for one layout during a pass. Safe
// for concurrent use (a repair batch fixes chunks in parallel).
type placers struct {
	l  layout.Layout
	mu sync.Mutex
	m  map[layout.Policy]*shard.Placer
}

func newPlacers(l layout.Layout) *placers {
	return &placers{l: l, m: map[layout.Policy]*shard.Placer{}}
}

// owners places id under the layout's nodes with policy p (the policy the
// chunk was encoded with).
func (p *placers) owners(id [32]byte, pol layout.Policy) ([]layout.NodeID, error) {
	p.mu.Lock()
	pl, ok := p.m[pol]
	if !ok {
		l := p.l
		l.Policy = pol
		var err error
		if pl, err = shard.NewPlacer(l); err != nil {
			p.mu.Unlock()
			return nil, err
		}
		p.m[pol] = pl
	}
	p.mu.Unlock()
	return pl.Place(id), nil
}
