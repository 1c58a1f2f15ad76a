package workload

import (
	"errors"
	"fmt"
	"path/filepath"
)

// File size classes of the mixed set.
const (
	KiB = 1 << 10
	MiB = 1 << 20

	SizeSmall  = 64 * KiB
	SizeMedium = 1 * MiB
	SizeLarge  = 40 * MiB
	SizeHuge   = 400 * MiB
)

// ErrConfig reports an invalid data-set configuration.
var ErrConfig = errors.New("workload: invalid config")

// Config describes a mixed data set.
type Config struct {
	Seed  uint64
	Total int64 // target bytes (≈2 GiB full, ≈200 MiB quick)
	// FilesPerDir spreads files over directories (default 256).
	FilesPerDir int
	// ChangeFraction is the share of bytes the mutation changes (default 0.01).
	ChangeFraction float64
}

// DefaultConfig is the full-profile set: 2 GiB, seed 1.
func DefaultConfig() Config {
	return Config{Seed: 1, Total: 2 << 30, FilesPerDir: 256, ChangeFraction: 0.01}
}

// QuickConfig is the quick-profile set: 200 MiB.
func QuickConfig() Config {
	c := DefaultConfig()
	c.Total = 200 << 20
	return c
}

func (c *Config) validate() error {
	if c.Total < SizeSmall {
		return fmt.Errorf("%w: total %d below %d", ErrConfig, c.Total, SizeSmall)
	}
	if c.FilesPerDir <= 0 {
		c.FilesPerDir = 256
	}
	if c.ChangeFraction <= 0 {
		c.ChangeFraction = 0.01
	}
	if c.ChangeFraction > 0.5 {
		return fmt.Errorf("%w: change fraction %.2f", ErrConfig, c.ChangeFraction)
	}
	return nil
}

// File is one planned file; its bytes are a function of Seed alone.
type File struct {
	Path string // relative, slash separated
	Size int64
	Seed uint64
}

// Plan lists the files of a mixed set. Shares: ≈40 % in 400 MiB files,
// ≈20 % in 40 MiB files (plus what the 400 MiB class could not hold),
// ≈15 % in 1 MiB files, the rest in 64 KiB files (the last may be shorter).
func Plan(cfg Config) ([]File, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	type class struct {
		size  int64
		share float64
		name  string
	}
	classes := []class{{SizeHuge, 0.40, "huge"}, {SizeLarge, 0.20, "large"}, {SizeMedium, 0.15, "medium"}}
	var files []File
	carry := int64(0)
	left := cfg.Total
	add := func(name string, size int64) {
		i := len(files)
		dir := fmt.Sprintf("%s/d%03d", name, i/cfg.FilesPerDir)
		files = append(files, File{
			Path: filepath.ToSlash(filepath.Join(dir, fmt.Sprintf("f%06d.bin", i))),
			Size: size,
			Seed: cfg.Seed*1_000_003 + uint64(i),
		})
		left -= size
	}
	for _, c := range classes {
		budget := int64(float64(cfg.Total)*c.share) + carry
		n := budget / c.size
		for range n {
			add(c.name, c.size)
		}
		carry = budget - n*c.size
	}
	for left > 0 {
		add("small", min(SizeSmall, left))
	}
	return files, nil
}

// TotalSize sums the sizes of files.
func TotalSize(files []File) int64 {
	var t int64
	for _, f := range files {
		t += f.Size
	}
	return t
}
