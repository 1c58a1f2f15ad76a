package durability

import (
	"bytes"
	"context"
	"slices"
	"sort"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// maxRefs bounds the bundles remembered per chunk for the lost-chunk list.
const maxRefs = 3

// FsckOptions configures a check.
type FsckOptions struct {
	Scope
	// Verify reads every in-place shard (checksum-verified) instead of
	// trusting the owners' indexes.
	Verify bool `json:"verify"`
}

// LostChunk is a chunk with fewer than K reachable shards.
type LostChunk struct {
	ID      string   `json:"id"`
	Shards  int      `json:"shards"`  // shards found anywhere
	Bundles []string `json:"bundles"` // some bundles referencing it (context/repo/id)
}

// FsckReport classifies every chunk of every live bundle in scope.
type FsckReport struct {
	LayoutVersion uint64 `json:"layout_version"`
	Policy        string `json:"policy"`
	Bundles       int    `json:"bundles"`
	Chunks        int    `json:"chunks"`
	Healthy       int    `json:"healthy"`   // all K+M shards at their owners
	Misplaced     int    `json:"misplaced"` // all K+M shards exist, some not at reachable owners
	// Waiting: all K+M shards exist (the chunk is whole), but the owners of
	// some are down, so repair rebuilt those on other nodes; rebalancing
	// moves them home when the owners return (or places them anew once the
	// owners are removed). WaitingFor names the down owners.
	Waiting    int         `json:"waiting"`
	WaitingFor []string    `json:"waiting_for,omitempty"`
	Degraded   int         `json:"degraded"` // at least K, fewer than K+M shards
	AtRisk     int         `json:"at_risk"`  // of Degraded: fewer than K+1 shards (no loss tolerated)
	Lost       int         `json:"lost"`     // fewer than K shards
	LostChunks []LostChunk `json:"lost_chunks,omitempty"`
	Unreadable []string    `json:"unreadable_bundles,omitempty"` // manifests that could not be read whole
}

// OK reports whether nothing is lost.
func (r FsckReport) OK() bool { return r.Lost == 0 && len(r.Unreadable) == 0 }

// Fsck checks that every chunk of every live bundle in scope (manifest pages
// and file chunks) has all K+M shards, healthy and where the current layout
// places them.
func (s *Service) Fsck(ctx context.Context, o FsckOptions) (FsckReport, error) {
	var rep FsckReport
	ls := s.topo.Layouts()
	if len(ls) == 0 {
		return rep, ErrNoLayout
	}
	cur := ls[0]
	rep.LayoutVersion, rep.Policy = cur.Version, cur.Policy.String()
	refs := map[chunk.ID][]string{}
	w := &liveWalker{s: s,
		visit: func(b string, id chunk.ID) {
			r := refs[id]
			if len(r) < maxRefs && (len(r) == 0 || r[len(r)-1] != b) {
				refs[id] = append(r, b)
			}
		},
		unreadable: func(b string, err error) error {
			rep.Unreadable = append(rep.Unreadable, b+": "+err.Error())
			return nil
		},
	}
	if err := w.run(ctx, o.Scope); err != nil {
		return rep, err
	}
	rep.Bundles = w.bundles
	ids := make([]chunk.ID, 0, len(refs))
	for id := range refs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return bytes.Compare(ids[i][:], ids[j][:]) < 0 })
	pl := newPlacers(cur)
	var older []*placers
	for _, l := range ls[1:] {
		older = append(older, newPlacers(l))
	}
	waitFor := map[layout.NodeID]bool{}
	for start := 0; start < len(ids); start += s.cfg.BatchChunks {
		batch := ids[start:min(start+s.cfg.BatchChunks, len(ids))]
		inPlace, elsewhere, away := s.fsckBatch(ctx, pl, older, cur.Policy, batch, o.Verify)
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		total := cur.Policy.Total()
		for ci, id := range batch {
			rep.Chunks++
			switch n := inPlace[ci] + elsewhere[ci]; {
			case inPlace[ci] == total:
				rep.Healthy++
			case n >= total && s.allDown(away[ci]):
				rep.Waiting++
				for _, d := range away[ci] {
					waitFor[d] = true
				}
			case n >= total:
				rep.Misplaced++
			case n >= cur.Policy.K:
				rep.Degraded++
				if n <= cur.Policy.K {
					rep.AtRisk++
				}
			default:
				rep.Lost++
				rep.LostChunks = append(rep.LostChunks, LostChunk{ID: id.String(), Shards: n, Bundles: refs[id]})
			}
		}
	}
	for n := range waitFor {
		rep.WaitingFor = append(rep.WaitingFor, string(n))
	}
	sort.Strings(rep.WaitingFor)
	return rep, nil
}

// allDown reports whether every node of owners is unreachable (and there is
// at least one): the owners of a whole chunk's shards that are not in place.
func (s *Service) allDown(owners []layout.NodeID) bool {
	for _, n := range owners {
		if n == s.self || s.topo.Alive(n) {
			return false
		}
	}
	return len(owners) > 0
}

// fsckBatch counts, per chunk, the shards present at their owners under the
// current layout (inPlace) and the other indexes found anywhere else
// (elsewhere): at an owner under an older layout version, or on any node.
// away lists, per chunk, the current owners whose shard is not in place.
//
// Shards move while fsck runs (rebalance, drain, repair hand-offs), always
// copy first, delete at the old home second. The presence queries are
// ordered along that direction so that a moving shard is seen at least once:
// older layouts' owners are asked before the current owners, and the current
// owners are asked again after the sweep over all the other nodes. A shard
// absent from its old home when asked had already reached its new one.
func (s *Service) fsckBatch(ctx context.Context, cur *placers, older []*placers, pol layout.Policy, ids []chunk.ID, verify bool) (inPlace, elsewhere []int, away [][]layout.NodeID) {
	inPlace, elsewhere, away = make([]int, len(ids)), make([]int, len(ids)), make([][]layout.NodeID, len(ids))
	owners := make([][]layout.NodeID, len(ids))
	state := make([][]presence, len(ids))
	found := make([]map[int]bool, len(ids))
	mark := func(ci, i int, p presence) {
		if p != present {
			return
		}
		if found[ci] == nil {
			found[ci] = map[int]bool{}
		}
		found[ci][i] = true
	}
	for ci, id := range ids {
		o, err := cur.owners(id, pol)
		if err != nil {
			continue
		}
		owners[ci], state[ci] = o, make([]presence, len(o))
	}
	// 1. Owners under the older layout versions still being moved from.
	q := newPresenceQuery()
	for ci, id := range ids {
		for _, pl := range older {
			o, err := pl.owners(id, pol)
			if err != nil {
				continue
			}
			for i := range min(len(o), len(owners[ci])) {
				if o[i] != owners[ci][i] {
					q.add(o[i], shard.Key{Chunk: id, Index: uint8(i)}, ci, i)
				}
			}
		}
	}
	s.runPresence(ctx, q, mark)
	// 2. The current owners.
	q = newPresenceQuery()
	for ci, id := range ids {
		for i, n := range owners[ci] {
			q.add(n, shard.Key{Chunk: id, Index: uint8(i)}, ci, i)
		}
	}
	s.runPresence(ctx, q, func(ci, i int, p presence) { state[ci][i] = p })
	if verify {
		for ci, id := range ids {
			for i, p := range state[ci] {
				if p != present {
					continue
				}
				cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
				_, err := s.io.GetShard(cctx, owners[ci][i], shard.Key{Chunk: id, Index: uint8(i)})
				cancel()
				if err != nil {
					state[ci][i] = absent
				}
			}
		}
	}
	// 3. Shards found at neither: ask every other node.
	q = newPresenceQuery()
	nodes := s.dataNodes()
	for ci, id := range ids {
		for i, p := range state[ci] {
			if p == present || found[ci][i] {
				continue
			}
			for _, n := range nodes {
				if n != owners[ci][i] {
					q.add(n, shard.Key{Chunk: id, Index: uint8(i)}, ci, i)
				}
			}
		}
	}
	s.runPresence(ctx, q, mark)
	// 4. Still nowhere: ask the current owner again (a shard handed to it
	// between steps 2 and 3 was deleted at its old home before step 3).
	q = newPresenceQuery()
	for ci, id := range ids {
		for i, p := range state[ci] {
			if p != present && !found[ci][i] {
				q.add(owners[ci][i], shard.Key{Chunk: id, Index: uint8(i)}, ci, i)
			}
		}
	}
	s.runPresence(ctx, q, func(ci, i int, p presence) {
		if p != present {
			return
		}
		if verify {
			cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
			_, err := s.io.GetShard(cctx, owners[ci][i], shard.Key{Chunk: ids[ci], Index: uint8(i)})
			cancel()
			if err != nil {
				return
			}
		}
		state[ci][i] = present
	})
	for ci := range ids {
		for i, p := range state[ci] {
			if p == present {
				inPlace[ci]++
				delete(found[ci], i)
			} else if !slices.Contains(away[ci], owners[ci][i]) {
				away[ci] = append(away[ci], owners[ci][i])
			}
		}
		elsewhere[ci] = len(found[ci])
	}
	return inPlace, elsewhere, away
}
