package ceiling

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
)

// Group is the report group of every ceiling measurement.
const Group = "ceiling"

// Measurement names, referenced by product and peer figures.
const (
	DiskWrite1   = "ceiling.disk.write.synced.1stream"
	DiskWrite2   = "ceiling.disk.write.synced.2streams"
	DiskRead     = "ceiling.disk.read.cold"
	DiskSyncIOPS = "ceiling.disk.write4k.fdatasync"
	Loopback1    = "ceiling.net.loopback.1stream"
	Loopback2    = "ceiling.net.loopback.2streams"
	HashBLAKE3   = "ceiling.hash.blake3.1core"
	HashSHA256   = "ceiling.hash.sha256.1core"
	HashMD5      = "ceiling.hash.md5.1core"
	CDCFast      = "ceiling.cdc.fastcdc-go.1MiB"
	CDCDatamon   = "ceiling.cdc.datamon-chunker.1MiB"
	PebbleRandom = "ceiling.pebble.synced.random-keys"
	PebbleMono   = "ceiling.pebble.synced.monotonic-keys"
	FioWrite1    = "ceiling.fio.write.1job"
	FioWrite2    = "ceiling.fio.write.2jobs"
	FioRead      = "ceiling.fio.read.direct"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("ceiling: invalid config")

// Config sizes the probes. Zero sizes take QuickConfig values.
type Config struct {
	Dir        string // work directory on the disk under test
	DiskBytes  int64  // per stream, write and read
	SyncOps    int    // 4 KiB write+fdatasync operations
	NetBytes   int64  // per stream
	HashBytes  int64
	CDCBytes   int64
	PebbleSize int64 // user bytes per Pebble probe
	// DropCaches lets the read probe write /proc/sys/vm/drop_caches when
	// root; otherwise (or when false) it reads with O_DIRECT.
	DropCaches bool
	Logger     *slog.Logger
}

// QuickConfig sizes the probes for the quick profile.
func QuickConfig(dir string) Config {
	return Config{Dir: dir, DiskBytes: 256 << 20, SyncOps: 500, NetBytes: 1 << 30,
		HashBytes: 512 << 20, CDCBytes: 256 << 20, PebbleSize: 256 << 20, DropCaches: true}
}

// FullConfig sizes the probes for the full profile.
func FullConfig(dir string) Config {
	return Config{Dir: dir, DiskBytes: 2 << 30, SyncOps: 3000, NetBytes: 4 << 30,
		HashBytes: 2 << 30, CDCBytes: 1 << 30, PebbleSize: 2 << 30, DropCaches: true}
}

// Validate fills defaults and checks the directory.
func (c *Config) Validate() error {
	q := QuickConfig(c.Dir)
	if c.Dir == "" {
		return fmt.Errorf("%w: no directory", ErrConfig)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.DiskBytes, q.DiskBytes)
	def(&c.NetBytes, q.NetBytes)
	def(&c.HashBytes, q.HashBytes)
	def(&c.CDCBytes, q.CDCBytes)
	def(&c.PebbleSize, q.PebbleSize)
	if c.SyncOps <= 0 {
		c.SyncOps = q.SyncOps
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// mbps is bytes over seconds in MB/s (10^6 bytes).
func mbps(bytes int64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(bytes) / 1e6 / secs
}

// pattern returns n incompressible-enough bytes (not zero pages).
func pattern(n int) []byte {
	b := make([]byte, n)
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i+8 <= n; i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		for k := 0; k < 8; k++ {
			b[i+k] = byte(x >> (8 * k))
		}
	}
	return b
}
