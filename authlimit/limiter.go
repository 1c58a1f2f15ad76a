package authlimit

import (
	"container/list"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("authlimit: invalid config")

// Config configures a Limiter. Zero fields take DefaultConfig's values.
type Config struct {
	// Window is the sliding window failures are counted in (default 15 min).
	Window time.Duration
	// PerKeySource failures of one key from one source throttle that pair
	// (default 10).
	PerKeySource int
	// PerSource failures from one source, whatever the key, throttle the
	// source (default 100).
	PerSource int
	// BaseDelay is the first throttle delay; it doubles with each further
	// failure up to MaxDelay (defaults 1 s and 5 min).
	BaseDelay, MaxDelay time.Duration
	// MaxEntries bounds the counters kept (default 65536).
	MaxEntries int
	// Clock (default time.Now).
	Clock func() time.Time
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Window: 15 * time.Minute, PerKeySource: 10, PerSource: 100,
		BaseDelay: time.Second, MaxDelay: 5 * time.Minute, MaxEntries: 1 << 16, Clock: time.Now}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Window == 0 {
		c.Window = d.Window
	}
	if c.PerKeySource == 0 {
		c.PerKeySource = d.PerKeySource
	}
	if c.PerSource == 0 {
		c.PerSource = d.PerSource
	}
	if c.BaseDelay == 0 {
		c.BaseDelay = d.BaseDelay
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = max(d.MaxDelay, c.BaseDelay)
	}
	if c.MaxEntries == 0 {
		c.MaxEntries = d.MaxEntries
	}
	if c.Clock == nil {
		c.Clock = d.Clock
	}
	return c
}

// Validate checks c after defaults.
func (c Config) Validate() error {
	switch {
	case c.Window <= 0 || c.BaseDelay <= 0:
		return fmt.Errorf("%w: Window %v and BaseDelay %v must be positive", ErrConfig, c.Window, c.BaseDelay)
	case c.MaxDelay < c.BaseDelay:
		return fmt.Errorf("%w: MaxDelay %v < BaseDelay %v", ErrConfig, c.MaxDelay, c.BaseDelay)
	case c.PerKeySource < 1 || c.PerSource < 1:
		return fmt.Errorf("%w: thresholds %d, %d must be at least 1", ErrConfig, c.PerKeySource, c.PerSource)
	case c.MaxEntries < 2:
		return fmt.Errorf("%w: MaxEntries %d < 2", ErrConfig, c.MaxEntries)
	}
	return nil
}

// Limiter counts failures and throttles. Safe for concurrent use.
type Limiter struct {
	cfg Config

	mu      sync.Mutex
	entries map[string]*list.Element // of *entry
	lru     *list.List               // front: most recently used

	failures, throttled, evicted atomic.Uint64
}

// New builds a Limiter.
func New(cfg Config) (*Limiter, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Limiter{cfg: cfg, entries: map[string]*list.Element{}, lru: list.New()}, nil
}

// Check reports whether a request signed with key from source may be
// authenticated now; if not, retryAfter is how long the caller should wait.
// A refusal counts in the throttled metric.
func (l *Limiter) Check(key, source string) (retryAfter time.Duration, ok bool) {
	now := l.cfg.Clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range l.ids(key, source) {
		if e := l.get(id, now); e != nil && now.Before(e.until) {
			retryAfter = max(retryAfter, e.until.Sub(now))
		}
	}
	if retryAfter > 0 {
		l.throttled.Add(1)
		return retryAfter, false
	}
	return 0, true
}

// Failure records a failed authentication of key ("" when none could be
// read) from source.
func (l *Limiter) Failure(key, source string) {
	now := l.cfg.Clock()
	l.failures.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, id := range l.ids(key, source) {
		threshold := l.cfg.PerSource
		if i == 0 && key != "" {
			threshold = l.cfg.PerKeySource
		}
		e := l.get(id, now)
		if e == nil {
			e = l.put(id, now)
		}
		e.fail(now, l.cfg.Window, threshold, l.cfg.BaseDelay, l.cfg.MaxDelay)
	}
}

// Success records a verified request of key from source: the pair's
// failures are forgotten.
func (l *Limiter) Success(key, source string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.entries[pairID(key, source)]; ok {
		l.lru.Remove(el)
		delete(l.entries, pairID(key, source))
	}
}

// Metrics are the limiter's counters and gauges for /metrics.
func (l *Limiter) Metrics() map[string]float64 {
	l.mu.Lock()
	n := len(l.entries)
	l.mu.Unlock()
	return map[string]float64{
		"datamon_auth_failures_total":  float64(l.failures.Load()),
		"datamon_auth_throttled_total": float64(l.throttled.Load()),
		"datamon_auth_evicted_total":   float64(l.evicted.Load()),
		"datamon_auth_tracked":         float64(n),
	}
}

func pairID(key, source string) string { return "k\x00" + key + "\x00" + source }
func sourceID(source string) string    { return "s\x00" + source }

// ids are the counters a request touches: (key, source) when there is a
// key, and source.
func (l *Limiter) ids(key, source string) []string {
	if key == "" {
		return []string{sourceID(source)}
	}
	return []string{pairID(key, source), sourceID(source)}
}

// get returns id's live entry (moving it to the front), dropping it when
// it expired.
func (l *Limiter) get(id string, now time.Time) *entry {
	el, ok := l.entries[id]
	if !ok {
		return nil
	}
	e := el.Value.(*entry)
	if e.idle(now, l.cfg.Window) {
		l.lru.Remove(el)
		delete(l.entries, id)
		return nil
	}
	l.lru.MoveToFront(el)
	return e
}

func (l *Limiter) put(id string, now time.Time) *entry {
	for len(l.entries) >= l.cfg.MaxEntries {
		back := l.lru.Back()
		l.lru.Remove(back)
		delete(l.entries, back.Value.(*entry).id)
		l.evicted.Add(1)
	}
	e := &entry{id: id, start: now}
	l.entries[id] = l.lru.PushFront(e)
	return e
}

// entry is one sliding-window counter: failures in the current and the
// previous window of length w, interpolated.
type entry struct {
	id        string
	start     time.Time // of the current window
	cur, prev float64
	strikes   int       // failures at or past the threshold, this episode
	last      time.Time // of the last failure
	until     time.Time // throttled until
}

// roll advances the windows to now.
func (e *entry) roll(now time.Time, w time.Duration) {
	switch d := now.Sub(e.start); {
	case d >= 2*w:
		e.prev, e.cur, e.start = 0, 0, now
	case d >= w:
		e.prev, e.cur, e.start = e.cur, 0, e.start.Add(w)
	}
}

// count is the failures in the window ending now.
func (e *entry) count(now time.Time, w time.Duration) float64 {
	frac := float64(now.Sub(e.start)) / float64(w)
	return e.prev*(1-frac) + e.cur
}

func (e *entry) fail(now time.Time, w time.Duration, threshold int, base, maxDelay time.Duration) {
	e.roll(now, w)
	if now.Sub(e.last) > w {
		e.strikes = 0 // a quiet window ends the episode
	}
	e.cur++
	e.last = now
	if e.count(now, w) < float64(threshold)-1e-9 {
		return
	}
	e.strikes++
	d := base
	for i := 1; i < e.strikes && d < maxDelay; i++ {
		d *= 2
	}
	e.until = now.Add(min(d, maxDelay))
}

// idle reports whether e holds nothing any more: no failure in the last
// two windows (the previous window still counts, interpolated) and not
// throttled.
func (e *entry) idle(now time.Time, w time.Duration) bool {
	return now.Sub(e.last) > 2*w && !now.Before(e.until)
}
