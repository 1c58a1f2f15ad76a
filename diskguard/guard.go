package diskguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrLowSpace is returned by Admit while the disk is (nearly) full.
var ErrLowSpace = errors.New("diskguard: insufficient disk space")

// ErrBadConfig is returned by Open for an invalid Config.
var ErrBadConfig = errors.New("diskguard: bad config")

// BallastName is the ballast file's name inside Config.Dir.
const BallastName = "BALLAST"

// Ballast size bounds of the default (1% of the filesystem).
const (
	MinDefaultBallast = 16 << 20
	MaxDefaultBallast = 1 << 30
)

// Config holds the guard's tunables.
type Config struct {
	// Dir is the directory the ballast lives in (the node's data dir).
	Dir string
	// BallastBytes is the ballast size: 0 means 1% of the filesystem,
	// clamped to [MinDefaultBallast, MaxDefaultBallast]; negative disables
	// the ballast (the guard still reports Low below MinDefaultBallast free).
	BallastBytes int64
	// CheckInterval is how often free space is checked (default 2 s).
	CheckInterval time.Duration
	// Logger receives the release / restore events (default: discard).
	Logger *slog.Logger
}

func (c *Config) fill() error {
	if c.Dir == "" {
		return fmt.Errorf("%w: no dir", ErrBadConfig)
	}
	if c.CheckInterval == 0 {
		c.CheckInterval = 2 * time.Second
	}
	if c.CheckInterval < 0 {
		return fmt.Errorf("%w: negative check interval", ErrBadConfig)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// Guard owns the ballast and the low-space state. Safe for concurrent use.
type Guard struct {
	fs      vfs.FS
	cfg     Config
	path    string
	size    int64 // ballast bytes; 0 when disabled
	mu      sync.Mutex
	present bool        // the ballast file exists
	low     atomic.Bool // Admit refuses
	avail   atomic.Uint64
	release atomic.Uint64 // ballast releases so far
	// transitions counts changes of low (refusing ↔ accepting shard writes).
	transitions atomic.Uint64
	cancel      context.CancelFunc
	done        chan struct{}
}

// Open creates the ballast (when the space is there) and starts the
// background check. fs is the filesystem the ballast is written on and
// free space is measured on (vfs.Default for a node).
func Open(fs vfs.FS, cfg Config) (*Guard, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	g := &Guard{fs: fs, cfg: cfg, path: fs.PathJoin(cfg.Dir, BallastName), done: make(chan struct{})}
	if err := fs.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("diskguard: open %s: %w", cfg.Dir, err)
	}
	du, err := fs.GetDiskUsage(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("diskguard: open %s: disk usage: %w", cfg.Dir, err)
	}
	switch {
	case cfg.BallastBytes > 0:
		g.size = cfg.BallastBytes
	case cfg.BallastBytes == 0:
		g.size = min(max(int64(du.TotalBytes/100), MinDefaultBallast), MaxDefaultBallast)
	}
	if st, err := fs.Stat(g.path); err == nil && g.size > 0 && st.Size() == g.size {
		g.present = true
	} else if g.size > 0 {
		_ = fs.Remove(g.path) // a torn or resized ballast from an earlier run
		du, err = fs.GetDiskUsage(cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("diskguard: open %s: disk usage: %w", cfg.Dir, err)
		}
		if du.AvailBytes >= uint64(2*g.size) {
			if err := g.create(); err != nil {
				return nil, err
			}
		} else {
			cfg.Logger.Error("disk nearly full at start: no ballast, refusing shard writes until space is freed",
				"dir", cfg.Dir, "avail_bytes", du.AvailBytes, "ballast_bytes", g.size)
		}
	}
	g.check()
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	go g.loop(ctx)
	return g, nil
}

// create writes the ballast in 1 MiB pieces and syncs it and its directory.
func (g *Guard) create() error {
	f, err := g.fs.Create(g.path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("diskguard: create ballast: %w", err)
	}
	buf := make([]byte, 1<<20)
	for left := g.size; left > 0; {
		n := min(left, int64(len(buf)))
		if _, err := f.Write(buf[:n]); err != nil {
			_ = f.Close()
			_ = g.fs.Remove(g.path)
			return fmt.Errorf("diskguard: create ballast: %w", err)
		}
		left -= n
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		_ = g.fs.Remove(g.path)
		return fmt.Errorf("diskguard: create ballast: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("diskguard: create ballast: %w", err)
	}
	if d, err := g.fs.OpenDir(g.cfg.Dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	g.present = true
	return nil
}

// Release deletes the ballast. It reports whether space was freed (false
// when there was no ballast). why is logged.
func (g *Guard) Release(why string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.setLow(true, "ENOSPC at "+why)
	if !g.present {
		return false
	}
	if err := g.fs.Remove(g.path); err != nil {
		g.cfg.Logger.Error("disk full: cannot release ballast", "path", g.path, "err", err)
		return false
	}
	g.present = false
	g.release.Add(1)
	g.cfg.Logger.Error("disk full: ballast released",
		"dir", g.cfg.Dir, "ballast_bytes", g.size, "at", why)
	return true
}

// Admit reports whether n more bytes of shard data may be written: nil, or
// an error matching both ErrLowSpace and syscall.ENOSPC while the guard is
// Low.
func (g *Guard) Admit(n int) error {
	if !g.low.Load() {
		return nil
	}
	return fmt.Errorf("%w: %d bytes free in %s (write of %d bytes refused; free space to resume): %w",
		ErrLowSpace, g.avail.Load(), g.cfg.Dir, n, syscall.ENOSPC)
}

// Low reports whether shard writes are refused.
func (g *Guard) Low() bool { return g.low.Load() }

// Stats is the guard's state for status pages and metrics.
type Stats struct {
	Low          bool   `json:"low"`
	AvailBytes   uint64 `json:"avail_bytes"`
	BallastBytes int64  `json:"ballast_bytes"`
	Ballast      bool   `json:"ballast_present"`
	Releases     uint64 `json:"ballast_releases"`
	// Transitions counts changes between refusing and accepting shard writes.
	Transitions uint64 `json:"low_transitions"`
}

// ShardWrites describes the shard-write state for status output:
// "accepted", or "refused: low disk space (N bytes free in DIR)".
func (g *Guard) ShardWrites() string {
	if !g.low.Load() {
		return "accepted"
	}
	return fmt.Sprintf("refused: low disk space (%d bytes free in %s)", g.avail.Load(), g.cfg.Dir)
}

// Stats returns the current state.
func (g *Guard) Stats() Stats {
	g.mu.Lock()
	present := g.present
	g.mu.Unlock()
	return Stats{Low: g.low.Load(), AvailBytes: g.avail.Load(), BallastBytes: g.size,
		Ballast: present, Releases: g.release.Load(), Transitions: g.transitions.Load()}
}

func (g *Guard) loop(ctx context.Context) {
	defer close(g.done)
	t := time.NewTicker(g.cfg.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.check()
		}
	}
}

// check measures free space, restores a released ballast once there is
// room for twice its size, and sets Low.
func (g *Guard) check() {
	du, err := g.fs.GetDiskUsage(g.cfg.Dir)
	if err != nil {
		return
	}
	g.avail.Store(du.AvailBytes)
	g.mu.Lock()
	defer g.mu.Unlock()
	floor := uint64(max(g.size, MinDefaultBallast))
	if g.size > 0 && !g.present && du.AvailBytes >= 2*uint64(g.size) {
		if err := g.create(); err != nil {
			g.cfg.Logger.Warn("ballast not restored", "err", err)
		} else {
			g.cfg.Logger.Info("disk space back: ballast restored", "dir", g.cfg.Dir)
			if du, err = g.fs.GetDiskUsage(g.cfg.Dir); err == nil {
				g.avail.Store(du.AvailBytes)
			}
		}
	}
	low := (g.size > 0 && !g.present) || g.avail.Load() < floor/2
	why := "free space back"
	if low {
		why = "free space below the floor"
		if g.size > 0 && !g.present {
			why = "ballast released"
		}
	}
	g.setLow(low, why)
}

// setLow records the low-space state; each transition is logged (an
// operator must see when the node starts refusing shard writes and when it
// takes them again) and counted. Callers hold g.mu.
func (g *Guard) setLow(low bool, why string) {
	if g.low.Swap(low) == low {
		return
	}
	g.transitions.Add(1)
	if low {
		g.cfg.Logger.Error("disk low: refusing shard writes (client writes, repairs) until space is freed",
			"dir", g.cfg.Dir, "avail_bytes", g.avail.Load(), "ballast_bytes", g.size, "reason", why)
		return
	}
	g.cfg.Logger.Info("disk space back: accepting shard writes again",
		"dir", g.cfg.Dir, "avail_bytes", g.avail.Load(), "ballast_bytes", g.size, "reason", why)
}

// Check runs one free-space check now (tests, and callers that just freed space).
func (g *Guard) Check() { g.check() }

// Close stops the background check. The ballast stays on disk for the next start.
func (g *Guard) Close() error {
	g.cancel()
	<-g.done
	return nil
}

// IsNoSpace reports whether err is ENOSPC (or EDQUOT).
func IsNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
