package diskguard

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

const mib = 1 << 20

// fill writes a file directly on fs (not through the guard, like another
// process) until the filesystem is full.
func fill(t *testing.T, fs vfs.FS, name string) {
	t.Helper()
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, mib)
	for {
		if _, err := f.Write(buf); err != nil {
			if !IsNoSpace(err) {
				t.Fatalf("fill: %v", err)
			}
			return
		}
	}
}

func openGuard(t *testing.T, fs vfs.FS, ballast int64) *Guard {
	t.Helper()
	g, err := Open(fs, Config{Dir: "data", BallastBytes: ballast, CheckInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// A Pebble store on the guarded FS keeps committing synced writes after
// another writer filled the disk: the ENOSPC releases the ballast, the
// write is retried, shard writes are refused with ErrLowSpace, and once
// space is freed the ballast comes back and writes are admitted again.
func TestPebbleSurvivesFullDisk(t *testing.T) {
	q := newQuotaFS(64 * mib)
	g := openGuard(t, q, 8*mib)
	if g.Low() || g.Admit(1) != nil {
		t.Fatalf("fresh guard is low: %+v", g.Stats())
	}
	db, err := pebble.Open("data/db", &pebble.Options{FS: g.FS(q)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Set([]byte("before"), make([]byte, 1024), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	fill(t, q, "data/filler")
	// The disk is really full: a direct write fails.
	if f, err := q.Create("data/probe", vfs.WriteCategoryUnspecified); err == nil {
		if _, err := f.Write(make([]byte, 4096)); !IsNoSpace(err) {
			t.Fatalf("disk not full after fill: %v", err)
		}
		f.Close()
		q.Remove("data/probe")
	}
	for i := range 200 {
		if err := db.Set(fmt.Appendf(nil, "after-%03d", i), make([]byte, 1024), pebble.Sync); err != nil {
			t.Fatalf("synced set %d on a full disk: %v", i, err)
		}
	}
	st := g.Stats()
	if st.Releases != 1 || st.Ballast || !st.Low {
		t.Fatalf("after the fill: %+v, want one release, no ballast, low", st)
	}
	if err := g.Admit(4096); !errors.Is(err, ErrLowSpace) || !IsNoSpace(err) {
		t.Fatalf("Admit on a full disk: %v, want ErrLowSpace", err)
	}
	if v, closer, err := db.Get([]byte("after-199")); err != nil || len(v) != 1024 {
		t.Fatalf("read back: %v", err)
	} else {
		closer.Close()
	}
	if err := q.Remove("data/filler"); err != nil {
		t.Fatal(err)
	}
	g.Check()
	st = g.Stats()
	if st.Low || !st.Ballast || g.Admit(4096) != nil {
		t.Fatalf("after freeing space: %+v, want ballast back and not low", st)
	}
}

// Without a ballast to release, a full disk's ENOSPC reaches the caller
// unchanged (nothing pretends to be written).
func TestNoBallastPassesENOSPC(t *testing.T) {
	q := newQuotaFS(32 * mib)
	g := openGuard(t, q, -1)
	fill(t, q, "data/filler")
	f, err := g.FS(q).Create("data/x", vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, 4096)); !IsNoSpace(err) {
		t.Fatalf("write on a full disk without ballast: %v, want ENOSPC", err)
	}
	g.Check()
	if !g.Low() {
		t.Fatal("a full disk without ballast is not low")
	}
}

// A start on a nearly full disk creates no ballast and is low until space
// is freed.
func TestOpenOnFullDisk(t *testing.T) {
	q := newQuotaFS(32 * mib)
	fill(t, q, "filler")
	g := openGuard(t, q, 4*mib)
	if st := g.Stats(); !st.Low || st.Ballast {
		t.Fatalf("open on a full disk: %+v", st)
	}
	if err := g.Admit(1); !errors.Is(err, ErrLowSpace) {
		t.Fatalf("Admit: %v", err)
	}
	q.Remove("filler")
	g.Check()
	if st := g.Stats(); st.Low || !st.Ballast {
		t.Fatalf("after freeing: %+v", st)
	}
	// A restart finds the ballast and keeps it.
	g.Close()
	g2 := openGuard(t, q, 4*mib)
	if st := g2.Stats(); st.Low || !st.Ballast {
		t.Fatalf("reopen: %+v", st)
	}
}

func TestDefaultBallastSize(t *testing.T) {
	q := newQuotaFS(4 << 30) // 1% = 40 MiB
	g := openGuard(t, q, 0)
	if st := g.Stats(); st.BallastBytes != (4<<30)/100 || !st.Ballast {
		t.Fatalf("default ballast on 4 GiB: %+v", st)
	}
	small := newQuotaFS(256 * mib) // 1% below the floor
	if st := openGuard(t, small, 0).Stats(); st.BallastBytes != MinDefaultBallast {
		t.Fatalf("default ballast on 256 MiB: %+v", st)
	}
}

func TestConfigValidation(t *testing.T) {
	q := newQuotaFS(mib)
	if _, err := Open(q, Config{}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("no dir: %v", err)
	}
	if _, err := Open(q, Config{Dir: "d", CheckInterval: -time.Second}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("negative interval: %v", err)
	}
}
