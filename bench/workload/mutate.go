package workload

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
)

// InsertSize is the size of one block inserted into a large file.
const InsertSize = 64 * KiB

const mutationSalt = 0x9e3779b97f4a7c15

// Change is the mutation of one file of the set.
type Change struct {
	Index   int // into Set.Files
	Rewrite bool
	Inserts []insert
}

// Mutation is the deterministic "1 % change" of a set: about half of the
// budget rewrites whole 64 KiB / 1 MiB files with new bytes, the other half
// inserts InsertSize blocks of new bytes at spread offsets into the 40 MiB
// and 400 MiB files (shifting their content, which tests content-defined
// chunking). Without large files the whole budget goes to rewrites.
type Mutation struct {
	Changes []Change
	// ChangedBytes counts rewritten file bytes plus inserted bytes: the new
	// data a deduplicating store must at least write.
	ChangedBytes int64
	// InsertedBytes is the growth of the set (the inserted part of ChangedBytes).
	InsertedBytes int64
	FilesTouched  int
}

// Mutation plans the set's mutation.
func (s *Set) Mutation() Mutation {
	budget := int64(float64(s.Total()) * s.Config.ChangeFraction)
	var smallIdx, largeIdx []int
	for i, f := range s.Files {
		if f.Size >= SizeLarge {
			largeIdx = append(largeIdx, i)
		} else {
			smallIdx = append(smallIdx, i)
		}
	}
	insBudget := int64(0)
	if len(largeIdx) > 0 {
		insBudget = budget / 2
	}
	var m Mutation
	r := rand.New(rand.NewPCG(s.Config.Seed, mutationSalt))
	order := r.Perm(len(smallIdx))
	for _, o := range order {
		if m.ChangedBytes >= budget-insBudget {
			break
		}
		i := smallIdx[o]
		m.Changes = append(m.Changes, Change{Index: i, Rewrite: true})
		m.ChangedBytes += s.Files[i].Size
	}
	if insBudget > 0 {
		blocks := max(1, insBudget/InsertSize)
		per := (blocks + int64(len(largeIdx)) - 1) / int64(len(largeIdx))
		for _, i := range largeIdx {
			if blocks <= 0 {
				break
			}
			n := min(per, blocks)
			blocks -= n
			c := Change{Index: i}
			size := s.Files[i].Size
			for k := int64(0); k < n; k++ {
				at := (size / (n + 1)) * (k + 1)
				at += r.Int64N(size/(4*(n+1)) + 1) // jitter, stays ordered
				c.Inserts = append(c.Inserts, insert{At: at, Size: InsertSize, Seed: s.Files[i].Seed ^ mutationSalt + uint64(k)})
				m.ChangedBytes += InsertSize
				m.InsertedBytes += InsertSize
			}
			slices.SortFunc(c.Inserts, func(a, b insert) int { return int(a.At - b.At) })
			m.Changes = append(m.Changes, c)
		}
	}
	slices.SortFunc(m.Changes, func(a, b Change) int { return a.Index - b.Index })
	m.FilesTouched = len(m.Changes)
	return m
}

// Apply writes the mutated files of m into a set generated under dir.
func (s *Set) Apply(ctx context.Context, dir string, m Mutation, workers int) error {
	return forEach(ctx, len(m.Changes), workers, func(k int) error {
		c := m.Changes[k]
		f := s.Files[c.Index]
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if c.Rewrite {
			return writeFile(path, f.Size, stream(f.Seed^mutationSalt), nil)
		}
		return writeFile(path, f.Size, stream(f.Seed), c.Inserts)
	})
}

// Reset rewrites the files m changed back to their original bytes.
func (s *Set) Reset(ctx context.Context, dir string, m Mutation, workers int) error {
	return forEach(ctx, len(m.Changes), workers, func(k int) error {
		f := s.Files[m.Changes[k].Index]
		return writeFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Size, stream(f.Seed), nil)
	})
}
