package suite

import (
	"fmt"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/workload"
)

// Profile sizes every figure of a run.
type Profile struct {
	Name    string
	Ceiling ceiling.Config // Dir is filled by the runner
	Dataset workload.Config
	Small   workload.SmallConfig
	// Clients is the concurrency of latency figures (label set, etcd).
	Clients int
	// LoadDuration bounds each closed-loop load (label set, etcd).
	LoadDuration time.Duration
	// Sweep is the client counts of the concurrency sweep.
	Sweep []int
	// PlacementChunks is the number of chunk IDs in the placement
	// simulation; PlacementNodes the node counts simulated.
	PlacementChunks int
	PlacementNodes  []int
	// FileCounts are the bundle sizes (files) of the file-count scaling
	// figure.
	FileCounts []int
	// MetadataBundles is the number of bundle commits over which the Raft
	// bytes per bundle are measured.
	MetadataBundles int
	// LFSBytes is the size of the Git LFS object set (product.lfs).
	LFSBytes int64
	// IdentityRounds is how many interleaved rounds product.identity runs
	// (each: every TLS × credential cell for LoadDuration/2).
	IdentityRounds int
	// FigureTimeout bounds one figure.
	FigureTimeout time.Duration
}

// Quick is the < 5 minute profile for checking a change.
func Quick() Profile {
	return Profile{
		Name:            "quick",
		Ceiling:         ceiling.QuickConfig(""),
		Dataset:         workload.QuickConfig(),
		Small:           workload.SmallConfig{Seed: 2, Count: 5000},
		Clients:         16,
		LoadDuration:    5 * time.Second,
		Sweep:           []int{1, 4, 16, 64},
		PlacementChunks: 20_000,
		PlacementNodes:  []int{10, 100, 1000},
		FileCounts:      []int{1000, 10_000},
		MetadataBundles: 200,
		LFSBytes:        128 << 20,
		IdentityRounds:  2,
		FigureTimeout:   3 * time.Minute,
	}
}

// Full is the profile of `make bench`.
func Full() Profile {
	return Profile{
		Name:            "full",
		Ceiling:         ceiling.FullConfig(""),
		Dataset:         workload.DefaultConfig(),
		Small:           workload.SmallConfig{Seed: 2, Count: 100_000},
		Clients:         16,
		LoadDuration:    20 * time.Second,
		Sweep:           []int{1, 2, 4, 8, 16, 32, 64},
		PlacementChunks: 100_000,
		PlacementNodes:  []int{10, 30, 100, 300, 1000},
		FileCounts:      []int{10_000, 100_000, 1_000_000},
		MetadataBundles: 1000,
		LFSBytes:        1 << 30,
		IdentityRounds:  5,
		FigureTimeout:   30 * time.Minute,
	}
}

// Tiny checks that the suite works end to end in seconds (development and
// tests); its figures mean nothing.
func Tiny() Profile {
	p := Quick()
	p.Name = "tiny"
	p.Ceiling = ceiling.Config{DiskBytes: 16 << 20, SyncOps: 50, NetBytes: 64 << 20, HashBytes: 32 << 20,
		CDCBytes: 32 << 20, PebbleSize: 16 << 20, DropCaches: false}
	p.Dataset.Total = 48 << 20
	p.LFSBytes = 16 << 20
	p.Small.Count = 200
	p.LoadDuration = time.Second
	p.Sweep = []int{1, 4}
	p.PlacementChunks = 2000
	p.PlacementNodes = []int{10, 100}
	p.MetadataBundles = 50
	p.FileCounts = []int{300, 1000}
	p.IdentityRounds = 1
	p.FigureTimeout = time.Minute
	return p
}

// ProfileByName returns "quick", "full" or "tiny".
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "quick":
		return Quick(), nil
	case "full":
		return Full(), nil
	case "tiny":
		return Tiny(), nil
	}
	return Profile{}, fmt.Errorf("%w: unknown profile %q (quick|full|tiny)", ErrConfig, name)
}
