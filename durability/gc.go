package durability

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// DefaultGrace protects chunks of uploads in flight: only unreferenced
// shards written longer ago than this are deleted.
const DefaultGrace = time.Hour

// maxSeqSamples bounds the write-sequence history (thinned when full).
const maxSeqSamples = 4096

type seqSample struct {
	t   time.Time
	seq uint64
}

// sampleSeq records the store's write sequence high-water mark now.
func (s *Service) sampleSeq() {
	seq, err := s.store.HighSeq()
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seqs = append(s.seqs, seqSample{t: time.Now(), seq: seq})
	if len(s.seqs) > maxSeqSamples {
		thin := s.seqs[:0]
		for i, x := range s.seqs {
			if i%2 == 0 || i == len(s.seqs)-1 {
				thin = append(thin, x)
			}
		}
		s.seqs = thin
	}
}

// cutoff is the sequence below which a shard is older than grace and older
// than the fence. Without a sample that old (fresh process) nothing is.
func (s *Service) cutoff(grace time.Duration, fence uint64) uint64 {
	if grace <= 0 {
		return fence
	}
	limit := time.Now().Add(-grace)
	s.mu.Lock()
	defer s.mu.Unlock()
	var c uint64
	for _, x := range s.seqs {
		if x.t.After(limit) {
			break
		}
		c = x.seq
	}
	return min(c, fence)
}

// GCOptions configures a collection.
type GCOptions struct {
	DryRun bool          `json:"dry_run"`
	Grace  time.Duration `json:"grace"` // 0: DefaultGrace; negative: none
}

// GCNodeReport is one node's sweep.
type GCNodeReport struct {
	ID        string `json:"id"`
	Shards    int64  `json:"shards"`    // unreferenced shards deleted (or deletable on a dry run)
	Bytes     int64  `json:"bytes"`     // their bytes
	Protected int64  `json:"protected"` // unreferenced shards kept: younger than the grace period / fence
	Error     string `json:"error,omitempty"`
}

// GCReport is the result of GC.
type GCReport struct {
	DryRun    bool           `json:"dry_run"`
	Grace     string         `json:"grace"`
	Bundles   int            `json:"bundles"`   // live bundles marked
	Marked    int            `json:"marked"`    // chunks referenced
	Chunks    int            `json:"chunks"`    // distinct unreferenced chunks reclaimed (or reclaimable)
	Shards    int64          `json:"shards"`    // shards reclaimed (or reclaimable)
	Bytes     int64          `json:"bytes"`     // bytes reclaimed (or reclaimable)
	Protected int64          `json:"protected"` // unreferenced shards kept by the grace period
	Nodes     []GCNodeReport `json:"nodes"`
}

type gcFenceReply struct {
	Seq uint64 `json:"seq"`
}

type gcSweepRequest struct {
	Fence  uint64        `json:"fence"`
	Grace  time.Duration `json:"grace"`
	DryRun bool          `json:"dry_run"`
	Marked []byte        `json:"marked"` // concatenated 32-byte chunk IDs
}

type gcSweepReply struct {
	GCNodeReport
	Chunks []byte `json:"chunks"` // concatenated IDs of the unreferenced chunks swept
}

// GC runs a mark-and-sweep collection over the whole cluster: fence every
// node (shards written after it are never deleted), mark every chunk of
// every live bundle, then let every node delete its shards of unmarked chunks
// older than the grace period.
func (s *Service) GC(ctx context.Context, o GCOptions) (GCReport, error) {
	if o.Grace == 0 {
		o.Grace = DefaultGrace
	}
	rep := GCReport{DryRun: o.DryRun, Grace: max(o.Grace, 0).String()}
	nodes := s.dataNodes()
	fences := map[layout.NodeID]uint64{}
	for _, n := range nodes {
		var fr gcFenceReply
		if err := s.callJSON(ctx, n, pathGCFence, struct{}{}, &fr); err != nil {
			rep.Nodes = append(rep.Nodes, GCNodeReport{ID: string(n), Error: err.Error()})
			continue
		}
		fences[n] = fr.Seq
	}
	marked, bundles, err := s.mark(ctx)
	if err != nil {
		return rep, err
	}
	rep.Bundles, rep.Marked = bundles, len(marked)
	ids := make([]byte, 0, len(marked)*chunk.IDSize)
	for id := range marked {
		ids = append(ids, id[:]...)
	}
	chunks := map[chunk.ID]struct{}{}
	for _, n := range nodes {
		f, ok := fences[n]
		if !ok {
			continue
		}
		var sr gcSweepReply
		req := gcSweepRequest{Fence: f, Grace: o.Grace, DryRun: o.DryRun, Marked: ids}
		if err := s.callJSON(ctx, n, pathGCSweep, req, &sr); err != nil {
			rep.Nodes = append(rep.Nodes, GCNodeReport{ID: string(n), Error: err.Error()})
			continue
		}
		sr.ID = string(n)
		rep.Nodes = append(rep.Nodes, sr.GCNodeReport)
		rep.Shards += sr.Shards
		rep.Bytes += sr.Bytes
		rep.Protected += sr.Protected
		for i := 0; i+chunk.IDSize <= len(sr.Chunks); i += chunk.IDSize {
			chunks[chunk.ID(sr.Chunks[i:i+chunk.IDSize])] = struct{}{}
		}
	}
	rep.Chunks = len(chunks)
	sort.Slice(rep.Nodes, func(i, j int) bool { return rep.Nodes[i].ID < rep.Nodes[j].ID })
	return rep, nil
}

// gcHoldMax bounds how long a fence holds repair writes back when its
// sweep never comes (the collecting node failed).
const gcHoldMax = 5 * time.Minute

// gcHeld reports whether a collection is between its fence and this node's
// sweep. Repair writes no shard meanwhile: a shard rebuilt or handed off to a
// node already swept would be a new write, protected by the fence and the
// grace period, and would keep an unreferenced chunk alive until the next
// collection after the grace period.
func (s *Service) gcHeld() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Before(s.gcHold)
}

func (s *Service) setGCHold(until time.Time) {
	s.mu.Lock()
	s.gcHold = until
	s.mu.Unlock()
}

// gcFence answers the write-sequence fence of the local store and holds
// repair writes back until this node's sweep.
func (s *Service) gcFence(context.Context, []byte) ([]byte, error) {
	s.setGCHold(time.Now().Add(gcHoldMax))
	seq, err := s.store.HighSeq()
	if err != nil {
		return nil, err
	}
	s.sampleSeq()
	return json.Marshal(gcFenceReply{Seq: seq})
}

// gcSweep deletes local shards of unmarked chunks below the cutoff.
func (s *Service) gcSweep(ctx context.Context, body []byte) ([]byte, error) {
	var req gcSweepRequest
	if err := json.Unmarshal(body, &req); err != nil || len(req.Marked)%chunk.IDSize != 0 {
		return nil, fmt.Errorf("%w: gc sweep: %v", ErrBadRequest, err)
	}
	marked := make(map[chunk.ID]struct{}, len(req.Marked)/chunk.IDSize)
	for i := 0; i < len(req.Marked); i += chunk.IDSize {
		marked[chunk.ID(req.Marked[i:i+chunk.IDSize])] = struct{}{}
	}
	defer s.setGCHold(time.Time{})
	cut := s.cutoff(req.Grace, req.Fence)
	var rep gcSweepReply
	var doomed []shard.Key
	var last chunk.ID
	err := s.store.IterateSeq(ctx, func(k shard.Key, in shard.SeqInfo) error {
		if _, ok := marked[k.Chunk]; ok {
			return nil
		}
		if in.Seq >= cut {
			rep.Protected++
			return nil
		}
		doomed = append(doomed, k)
		rep.Shards++
		rep.Bytes += int64(in.Size)
		if len(rep.Chunks) == 0 || k.Chunk != last {
			rep.Chunks = append(rep.Chunks, k.Chunk[:]...)
			last = k.Chunk
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("durability: gc sweep: %w", err)
	}
	if !req.DryRun {
		for _, k := range doomed {
			if err := s.store.Delete(ctx, k); err != nil {
				return nil, fmt.Errorf("durability: gc delete %s: %w", k, err)
			}
		}
		s.st.update(func(st *stats) {
			st.gc.Sweeps++
			st.gc.DeletedShards += uint64(rep.Shards)
			st.gc.DeletedBytes += uint64(rep.Bytes)
		})
	}
	s.log.Info("durability: gc sweep", "dry_run", req.DryRun, "shards", rep.Shards, "bytes", rep.Bytes, "protected", rep.Protected)
	return json.Marshal(rep)
}

// dataNodes is every node that may hold shards: every layout's nodes plus
// gossip members, sorted.
func (s *Service) dataNodes() []layout.NodeID {
	seen := map[layout.NodeID]bool{s.self: true}
	out := []layout.NodeID{s.self}
	add := func(id layout.NodeID) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, l := range s.topo.Layouts() {
		for _, n := range l.Nodes {
			add(n.ID)
		}
	}
	for _, m := range s.peers.Members() {
		add(layout.NodeID(m.ID))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
