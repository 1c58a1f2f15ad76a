package workload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
)

// SmallConfig describes a small-files set.
type SmallConfig struct {
	Seed        uint64
	Count       int // 100k full, 5k quick
	MinSize     int // default 1 KiB
	MaxSize     int // default 4 KiB
	FilesPerDir int // default 1000
}

// SmallFiles plans the small-files set: Count files of MinSize..MaxSize bytes.
func SmallFiles(cfg SmallConfig) ([]File, error) {
	if cfg.MinSize == 0 {
		cfg.MinSize = 1 * KiB
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = 4 * KiB
	}
	if cfg.FilesPerDir == 0 {
		cfg.FilesPerDir = 1000
	}
	if cfg.Count < 1 || cfg.MinSize < 1 || cfg.MaxSize < cfg.MinSize {
		return nil, fmt.Errorf("%w: small files %d of %d..%d bytes", ErrConfig, cfg.Count, cfg.MinSize, cfg.MaxSize)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x736d616c6c))
	files := make([]File, cfg.Count)
	for i := range files {
		files[i] = File{
			Path: fmt.Sprintf("s%04d/f%07d.dat", i/cfg.FilesPerDir, i),
			Size: int64(cfg.MinSize + r.IntN(cfg.MaxSize-cfg.MinSize+1)),
			Seed: cfg.Seed<<32 ^ uint64(i) ^ 0x5a5a,
		}
	}
	return files, nil
}

// WriteFiles writes files under dir with workers goroutines.
func WriteFiles(ctx context.Context, dir string, files []File, workers int) error {
	return forEach(ctx, len(files), workers, func(i int) error {
		f := files[i]
		return writeFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Size, stream(f.Seed), nil)
	})
}
