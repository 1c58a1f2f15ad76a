package cas

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
)

// readOutcome summarises what one attempt (a layout or the scan) found.
type readOutcome struct {
	valid       int // distinct valid shards in hand
	corrupt     int // shards rejected as corrupt
	unreachable int // requests that failed (node down, timeout)
	answered    int // nodes that answered (scan only)
}

// Get returns the chunk with the given ID, verified against it. Unknown
// chunks return an error wrapping model.ErrNotFound.
func (s *Service) Get(ctx context.Context, id chunk.ID) ([]byte, error) {
	if s.closed() {
		return nil, ErrClosed
	}
	ls, err := s.layouts()
	if err != nil {
		return nil, fmt.Errorf("cas: get %s: %w", id, err)
	}
	var total readOutcome
	sawCorrupt := false // some layout had K shards that did not reproduce the ID
	type placed struct {
		p      layout.Policy
		owners string
	}
	tried := map[placed]bool{}
	newestUnreachable := 0 // owners of the newest layout that could not answer
	for li, l := range ls {
		owners, err := s.place(id, l)
		if err != nil {
			s.log.Warn("cas: placement failed", "layout", l.Version, "err", err)
			continue
		}
		key := placed{l.Policy, fmt.Sprint(owners)}
		if tried[key] { // an unchanged placement: nothing new to ask
			continue
		}
		tried[key] = true
		data, out, err := s.getLayout(ctx, id, l, owners)
		if err == nil {
			return s.served(data), nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("cas: get %s: %w", id, ctx.Err())
		}
		total.valid = max(total.valid, out.valid)
		total.corrupt += out.corrupt
		sawCorrupt = sawCorrupt || errors.Is(err, ErrCorrupt)
		if li == 0 && out.unreachable > l.Policy.M {
			newestUnreachable = out.unreachable
		}
	}
	s.stats.fallbacks.Add(1)
	data, out, err := s.scan(ctx, id, ls)
	if err == nil {
		return s.served(data), nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("cas: get %s: %w", id, ctx.Err())
	}
	total.valid = max(total.valid, out.valid)
	total.corrupt += out.corrupt
	switch {
	case errors.Is(err, ErrCorrupt):
		return nil, fmt.Errorf("cas: get %s: %w", id, err)
	case sawCorrupt:
		return nil, fmt.Errorf("cas: get %s: K shards found but none reproduce the id: %w", id, ErrCorrupt)
	case total.valid > 0:
		return nil, fmt.Errorf("cas: get %s: found %d valid shards, fewer than K: %w", id, total.valid, ErrInsufficientShards)
	case total.corrupt > 0:
		return nil, fmt.Errorf("cas: get %s: only corrupt shards found (%d): %w", id, total.corrupt, ErrCorrupt)
	case out.answered == 0 || newestUnreachable > 0:
		// Too many owners silent to tell "unknown" from "unreachable".
		return nil, fmt.Errorf("cas: get %s: no shard found, %d owners unreachable, %d nodes answered the scan: %w",
			id, newestUnreachable, out.answered, ErrUnavailable)
	}
	return nil, fmt.Errorf("cas: get %s: no shard on any reachable node: %w", id, model.ErrNotFound)
}

func (s *Service) served(data []byte) []byte {
	s.stats.gets.Add(1)
	s.stats.bytesOut.Add(uint64(len(data)))
	return data
}

// errForeign: a valid shard of the chunk, but encoded under another policy
// (written under an older layout). It is neither used nor "repaired".
var errForeign = errors.New("shard of another encoding")

// got is one shard in hand, already parsed.
type got struct {
	raw     []byte
	h       erasure.Header
	payload []byte
}

// checkShard parses b and checks it belongs to (id, index) under policy p.
func checkShard(b []byte, id chunk.ID, index int, p layout.Policy) (got, error) {
	h, payload, err := erasure.ParseShard(b)
	if err != nil {
		return got{}, err
	}
	switch {
	case h.ChunkID != id:
		return got{}, fmt.Errorf("shard belongs to chunk %x: %w", h.ChunkID[:4], erasure.ErrBadHeader)
	case int(h.Index) != index:
		return got{}, fmt.Errorf("shard index %d, asked %d: %w", h.Index, index, erasure.ErrBadHeader)
	case p.K > 0 && (int(h.K) != p.K || int(h.M) != p.M):
		return got{}, fmt.Errorf("shard policy %d+%d, layout %s: %w", h.K, h.M, p, errForeign)
	}
	return got{raw: b, h: h, payload: payload}, nil
}

// assemble turns the shards in hand (nil = missing, len K+M, all of one
// encoding) into the chunk: concatenation when every data shard is there,
// Reed–Solomon reconstruction otherwise. It does not verify the ID.
func (s *Service) assemble(shards []got, p layout.Policy) ([]byte, error) {
	k := p.K
	allData, first := true, -1
	for i := range shards {
		if shards[i].raw != nil && first < 0 {
			first = i
		}
		if i < k && shards[i].raw == nil {
			allData = false
		}
	}
	if first < 0 {
		return nil, fmt.Errorf("cas: assemble: %w", erasure.ErrTooFewShards)
	}
	if allData {
		n := int(shards[first].h.ChunkLen)
		out := make([]byte, n)
		off := 0
		for i := 0; i < k && off < n; i++ {
			off += copy(out[off:], shards[i].payload)
		}
		return out, nil
	}
	codec, err := s.codec(p)
	if err != nil {
		return nil, err
	}
	raw := make([][]byte, len(shards))
	for i := range shards {
		raw[i] = shards[i].raw
	}
	s.stats.reconstructions.Add(1)
	return codec.Reconstruct(raw)
}

// maxCombos bounds the subsets tried when valid-looking shards do not
// reproduce the chunk ID.
const maxCombos = 512

// searchCombos tries K-subsets of the shards in hand until one reproduces id.
// It returns the chunk, or ErrCorrupt.
func (s *Service) searchCombos(id chunk.ID, shards []got, p layout.Policy) ([]byte, error) {
	var have []int
	for i := range shards {
		if shards[i].raw != nil {
			have = append(have, i)
		}
	}
	if len(have) < p.K {
		return nil, fmt.Errorf("cas: %s: %d shards to search, need %d: %w", id, len(have), p.K, ErrCorrupt)
	}
	pick := make([]int, p.K)
	for i := range pick {
		pick[i] = i
	}
	sub := make([]got, len(shards))
	for tries := 0; tries < maxCombos; tries++ {
		clear(sub)
		for _, j := range pick {
			sub[have[j]] = shards[have[j]]
		}
		if data, err := s.assemble(sub, p); err == nil && chunk.Sum(data) == id {
			return data, nil
		}
		// next combination of K out of len(have)
		i := p.K - 1
		for i >= 0 && pick[i] == len(have)-p.K+i {
			i--
		}
		if i < 0 {
			break
		}
		pick[i]++
		for j := i + 1; j < p.K; j++ {
			pick[j] = pick[j-1] + 1
		}
	}
	return nil, fmt.Errorf("cas: %s: no subset of %d shards matches the id: %w", id, len(have), ErrCorrupt)
}

// markCorrupt logs and counts one corrupt shard.
func (s *Service) markCorrupt(id chunk.ID, index int, node layout.NodeID, err error) {
	s.stats.corrupt.Add(1)
	s.log.Warn("cas: corrupt shard", "chunk", id, "index", index, "node", node, "err", err)
}
