package erasure

import (
	"fmt"

	"github.com/klauspost/reedsolomon"
)

type parsed struct {
	h       Header
	payload []byte
	ok      bool
}

// majority parses every shard and returns the header shared by the most
// shards that sit in their own slot (ties go to the lowest index), with the
// per-slot parse results. ok is false when no shard is valid.
func majority(shards [][]byte) (Header, []parsed, bool) {
	ps := make([]parsed, len(shards))
	for i, s := range shards {
		if s == nil {
			continue
		}
		h, payload, err := ParseShard(s)
		if err != nil || int(h.Index) != i {
			continue
		}
		ps[i] = parsed{h: h, payload: payload, ok: true}
	}
	best, bestVotes := -1, 0
	for i := range ps {
		if !ps[i].ok {
			continue
		}
		votes := 0
		for j := range ps {
			if ps[j].ok && ps[j].h.sameChunk(ps[i].h) {
				votes++
			}
		}
		if votes > bestVotes {
			best, bestVotes = i, votes
		}
	}
	if best < 0 {
		return Header{}, ps, false
	}
	h := ps[best].h
	for i := range ps {
		if ps[i].ok && !ps[i].h.sameChunk(h) {
			ps[i].ok = false
		}
	}
	return h, ps, true
}

func reconstruct(shards [][]byte, encoder func(k, m int) (reedsolomon.Encoder, error)) ([]byte, error) {
	h, ps, ok := majority(shards)
	if !ok {
		return nil, fmt.Errorf("erasure: reconstruct: no valid shard of %d: %w", len(shards), ErrTooFewShards)
	}
	k, total := int(h.K), h.Total()
	if len(shards) != total {
		return nil, fmt.Errorf("erasure: reconstruct %x: %d slots for %d+%d: %w", h.ChunkID[:4], len(shards), h.K, h.M, ErrMismatch)
	}
	valid, dataValid := 0, 0
	for i, p := range ps {
		if p.ok {
			valid++
			if i < k {
				dataValid++
			}
		}
	}
	if valid < k {
		return nil, fmt.Errorf("erasure: reconstruct %x: %d valid shards, need %d: %w", h.ChunkID[:4], valid, k, ErrTooFewShards)
	}
	p := h.PayloadLen()
	out := make([]byte, k*p)
	if dataValid == k || p == 0 {
		for i := range k {
			copy(out[i*p:], ps[i].payload)
		}
		return out[:h.ChunkLen], nil
	}
	// Missing data shards decode straight into out: reedsolomon reuses a
	// zero-length slice whose capacity fits the shard.
	work := make([][]byte, total)
	for i := range total {
		switch {
		case i < k && ps[i].ok:
			work[i] = out[i*p : (i+1)*p : (i+1)*p]
			copy(work[i], ps[i].payload)
		case i < k:
			work[i] = out[i*p : i*p : (i+1)*p]
		case ps[i].ok:
			work[i] = ps[i].payload
		}
	}
	enc, err := encoder(k, int(h.M))
	if err != nil {
		return nil, err
	}
	if err := enc.ReconstructData(work); err != nil {
		return nil, fmt.Errorf("erasure: reconstruct %x: %v: %w", h.ChunkID[:4], err, ErrTooFewShards)
	}
	for i := range k {
		if &work[i][0] != &out[i*p] { // defensive: the library allocated instead
			copy(out[i*p:], work[i])
		}
	}
	return out[:h.ChunkLen], nil
}

// Verify checks a complete set of k+m shards: each parses, sits in its slot,
// agrees with the others, and the parity matches the data. It returns nil or
// an error wrapping ErrCorrupt/ErrTruncated/ErrVersion/ErrBadHeader (a bad
// shard), ErrTooFewShards (a missing shard) or ErrMismatch.
func Verify(shards [][]byte) error {
	var first Header
	payloads := make([][]byte, len(shards))
	for i, s := range shards {
		if s == nil {
			return fmt.Errorf("erasure: verify: shard %d missing: %w", i, ErrTooFewShards)
		}
		h, payload, err := ParseShard(s)
		if err != nil {
			return fmt.Errorf("erasure: verify: shard %d: %w", i, err)
		}
		if i == 0 {
			first = h
		}
		if int(h.Index) != i || !h.sameChunk(first) || h.Total() != len(shards) {
			return fmt.Errorf("erasure: verify: shard %d header disagrees: %w", i, ErrMismatch)
		}
		payloads[i] = payload
	}
	if len(shards) == 0 {
		return fmt.Errorf("erasure: verify: no shards: %w", ErrTooFewShards)
	}
	if first.M == 0 || first.PayloadLen() == 0 {
		return nil
	}
	enc, err := newEncoder(int(first.K), int(first.M), options{})
	if err != nil {
		return err
	}
	ok, err := enc.Verify(payloads)
	if err != nil {
		return fmt.Errorf("erasure: verify: %v: %w", err, ErrMismatch)
	}
	if !ok {
		return fmt.Errorf("erasure: verify %x: parity: %w", first.ChunkID[:4], ErrMismatch)
	}
	return nil
}
