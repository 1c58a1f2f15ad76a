package authlimit

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)} }
func mustNew(t *testing.T, c Config) *Limiter {
	t.Helper()
	l, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestThrottleGrowsAndCaps(t *testing.T) {
	c := newClock()
	l := mustNew(t, Config{PerKeySource: 3, PerSource: 100, BaseDelay: time.Second, MaxDelay: 4 * time.Second, Clock: c.now})
	for i := range 2 {
		l.Failure("AK", "10.0.0.1")
		if _, ok := l.Check("AK", "10.0.0.1"); !ok {
			t.Fatalf("throttled after %d failures, threshold 3", i+1)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		l.Failure("AK", "10.0.0.1")
		ra, ok := l.Check("AK", "10.0.0.1")
		if ok || ra != w {
			t.Fatalf("strike %d: retry after %v ok=%v, want %v", i+1, ra, ok, w)
		}
		// The real key from another address is never held back.
		if _, ok := l.Check("AK", "10.0.0.2"); !ok {
			t.Fatal("the key is throttled from another source")
		}
		c.add(w)
		if _, ok := l.Check("AK", "10.0.0.1"); !ok {
			t.Fatalf("strike %d: still throttled after %v", i+1, w)
		}
	}
	m := l.Metrics()
	if m["datamon_auth_failures_total"] != 6 || m["datamon_auth_throttled_total"] != 4 {
		t.Fatalf("metrics %v", m)
	}
}

func TestQuietWindowEndsEpisode(t *testing.T) {
	c := newClock()
	l := mustNew(t, Config{Window: time.Minute, PerKeySource: 2, Clock: c.now})
	l.Failure("AK", "s")
	l.Failure("AK", "s")
	if _, ok := l.Check("AK", "s"); ok {
		t.Fatal("not throttled at the threshold")
	}
	c.add(2*time.Minute + time.Second)
	if _, ok := l.Check("AK", "s"); !ok {
		t.Fatal("throttled after a quiet window")
	}
	l.Failure("AK", "s") // one failure in a new window: below the threshold
	if _, ok := l.Check("AK", "s"); !ok {
		t.Fatal("an old episode's failures still count")
	}
	if m := l.Metrics(); m["datamon_auth_tracked"] != 2 {
		t.Fatalf("tracked %v, want 2 (pair and source)", m["datamon_auth_tracked"])
	}
}

// Half a window later, half of the previous window's failures still count.
func TestSlidingWindowInterpolates(t *testing.T) {
	c := newClock()
	l := mustNew(t, Config{Window: time.Minute, PerKeySource: 4, Clock: c.now})
	for range 3 {
		l.Failure("AK", "s")
	}
	c.add(90 * time.Second) // next window, halfway: 3*0.5 + 0
	l.Failure("AK", "s")    // 1.5 + 1 < 4
	if _, ok := l.Check("AK", "s"); !ok {
		t.Fatal("throttled on 2.5 failures in the window")
	}
	l.Failure("AK", "s") // 3.5
	if _, ok := l.Check("AK", "s"); !ok {
		t.Fatal("throttled on 3.5")
	}
	l.Failure("AK", "s") // 4.5
	if _, ok := l.Check("AK", "s"); ok {
		t.Fatal("not throttled on 4.5 failures in the window")
	}
}

// A source spraying many keys is throttled as a source, for every key; the
// pair counter forgets on success but the source counter does not.
func TestPerSource(t *testing.T) {
	c := newClock()
	l := mustNew(t, Config{PerKeySource: 10, PerSource: 5, Clock: c.now})
	for i := range 5 {
		l.Failure(fmt.Sprintf("guess%d", i), "10.0.0.9")
	}
	if _, ok := l.Check("real", "10.0.0.9"); ok {
		t.Fatal("a spraying source is not throttled")
	}
	if _, ok := l.Check("real", "10.0.0.1"); !ok {
		t.Fatal("another source is throttled")
	}
	l.Success("real", "10.0.0.9")
	if _, ok := l.Check("real", "10.0.0.9"); ok {
		t.Fatal("a success laundered the source's failures")
	}
	// A request without a readable key counts for the source only.
	l2 := mustNew(t, Config{PerKeySource: 1, PerSource: 2, Clock: c.now})
	l2.Failure("", "s")
	if _, ok := l2.Check("AK", "s"); !ok {
		t.Fatal("a keyless failure counted for a key")
	}
	l2.Failure("", "s")
	if _, ok := l2.Check("", "s"); ok {
		t.Fatal("keyless failures do not count for the source")
	}
}

func TestSuccessClearsPair(t *testing.T) {
	c := newClock()
	l := mustNew(t, Config{PerKeySource: 3, Clock: c.now})
	l.Failure("AK", "s")
	l.Failure("AK", "s")
	l.Success("AK", "s")
	l.Failure("AK", "s")
	if _, ok := l.Check("AK", "s"); !ok {
		t.Fatal("failures before a success still count")
	}
}

func TestBoundedMemory(t *testing.T) {
	c := newClock()
	l := mustNew(t, Config{MaxEntries: 100, Clock: c.now})
	for i := range 10000 {
		l.Failure(fmt.Sprintf("k%d", i), fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	m := l.Metrics()
	if m["datamon_auth_tracked"] > 100 || m["datamon_auth_evicted_total"] < 10000*2-100 {
		t.Fatalf("metrics %v: not bounded", m)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{Window: -1}, {BaseDelay: -1}, {BaseDelay: time.Minute, MaxDelay: time.Second},
		{PerKeySource: -1}, {PerSource: -1}, {MaxEntries: 1},
	} {
		if _, err := New(c); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", c, err)
		}
	}
}
