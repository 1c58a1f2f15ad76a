package raftmeta

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

func newTestFSM(t testing.TB) *fsm {
	t.Helper()
	f, _, err := openFSM("fsm", vfs.NewMem(), slog.New(slog.DiscardHandler), 100)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.close() })
	return f
}

func applyCmd(t testing.TB, f *fsm, index uint64, c *command) *applyResult {
	t.Helper()
	if c.Time == 0 {
		c.Time = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	}
	data, err := encodeCommand(c)
	if err != nil {
		t.Fatal(err)
	}
	return f.Apply(&raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: data}).(*applyResult)
}

func seed(t testing.TB, f *fsm) {
	t.Helper()
	applyCmd(t, f, 1, &command{Op: opInit})
	if r := applyCmd(t, f, 2, &command{Op: opCreateRepo, Repo: &model.Repo{Context: "default", Name: "r", Description: "d"}}); r.Err != nil {
		t.Fatal(r.Err)
	}
	for i := uint64(3); i < 8; i++ {
		if r := applyCmd(t, f, i, &command{Op: opCommitBundle, Bundle: &model.Bundle{Context: "default", Repo: "r", Message: "m"}}); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
}

func TestApplyIsIdempotentAndDeduplicates(t *testing.T) {
	f := newTestFSM(t)
	seed(t, f)
	h1, _ := stateHash(f.db)
	// replay of old indexes changes nothing
	applyCmd(t, f, 5, &command{Op: opCommitBundle, Bundle: &model.Bundle{Context: "default", Repo: "r", Message: "m"}})
	if h2, _ := stateHash(f.db); h2 != h1 {
		t.Fatal("replayed entry changed state")
	}
	// a retried request ID applies once and returns the first result
	c := &command{Op: opCommitBundle, ReqID: "req-1", Bundle: &model.Bundle{Context: "default", Repo: "r", Message: "x"}}
	r1 := applyCmd(t, f, 8, c)
	r2 := applyCmd(t, f, 9, c)
	if r1.Err != nil || !bytes.Equal(r1.Data, r2.Data) {
		t.Fatalf("dedup: %v %s %s", r1.Err, r1.Data, r2.Data)
	}
	var b model.Bundle
	_ = json.Unmarshal(r1.Data, &b)
	if n := countPrefix(t, f, bundlesPrefix("default", "r")); n != 6 {
		t.Fatalf("%d bundles, want 6", n)
	}
	// clock going backwards: timestamps stay monotonic, IDs ordered
	r3 := applyCmd(t, f, 10, &command{Op: opCommitBundle, Time: 1, Bundle: &model.Bundle{Context: "default", Repo: "r", Message: "skew"}})
	var b3 model.Bundle
	_ = json.Unmarshal(r3.Data, &b3)
	if !b3.Timestamp.After(b.Timestamp) || b3.ID <= b.ID {
		t.Fatalf("non-monotonic: %v %s after %v %s", b3.Timestamp, b3.ID, b.Timestamp, b.ID)
	}
}

func countPrefix(t testing.TB, f *fsm, p []byte) int {
	t.Helper()
	n := 0
	it, _ := f.db.NewIter(nil)
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if bytes.HasPrefix(it.Key(), p) {
			n++
		}
	}
	return n
}

func snapshotBytes(t testing.TB, f *fsm) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := writeSnapshot(&buf, f.db); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSnapshotRoundTripAndCorruptionKeepsState(t *testing.T) {
	src := newTestFSM(t)
	seed(t, src)
	snap := snapshotBytes(t, src)
	want, _ := stateHash(src.db)

	dst := newTestFSM(t)
	applyCmd(t, dst, 1, &command{Op: opInit})
	applyCmd(t, dst, 2, &command{Op: opCreateContext, Context: &model.Context{Name: "other"}})
	before, _ := stateHash(dst.db)
	bad := [][]byte{
		snap[:len(snap)-1],                   // truncated checksum
		snap[:len(snap)/2],                   // truncated records
		append(append([]byte{}, snap...), 0), // trailing garbage
		flip(snap, len(snap)/2),              // corrupt record
		flip(snap, 6),                        // version
		{},
	}
	for i, b := range bad {
		err := dst.Restore(io.NopCloser(bytes.NewReader(b)))
		if !errors.Is(err, ErrBadSnapshot) {
			t.Fatalf("case %d: %v", i, err)
		}
		if h, _ := stateHash(dst.db); h != before || dst.applied.Load() != 2 {
			t.Fatalf("case %d: failed restore changed state", i)
		}
	}
	if err := dst.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil {
		t.Fatal(err)
	}
	if got, _ := stateHash(dst.db); got != want || dst.applied.Load() != src.applied.Load() {
		t.Fatalf("restored hash %s want %s, applied %d", got, want, dst.applied.Load())
	}
	if _, err := getJSON(dst.db, contextKey("other"), &model.Context{}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := getJSON(dst.db, contextKey("other"), &model.Context{}); ok {
		t.Fatal("restore kept a key the snapshot does not have")
	}
	if ls := dst.layouts.Load(); ls == nil || len(*ls) != 1 || (*ls)[0].Version != 1 {
		t.Fatal("layout cache not refreshed")
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x40
	return c
}

func TestBundleIDsSortNumerically(t *testing.T) {
	prev := ""
	for _, tc := range []struct {
		sec int64
		idx uint64
	}{{0, 1}, {1400000000, 2}, {1400000000, 3}, {1400000001, 1 << 40}, {1700000000, 0}, {1700000000, ^uint64(0)}, {1 << 40, 5}} {
		id := bundleID(tc.sec, tc.idx, []byte("x"))
		if len(id) != bundleIDLen || strings.Trim(id, base62) != "" || id <= prev {
			t.Fatalf("id %q after %q", id, prev)
		}
		prev = id
	}
	if got := encodeBase62([20]byte{}); got != strings.Repeat("0", 27) {
		t.Fatal(got)
	}
	var max [20]byte
	for i := range max {
		max[i] = 0xff
	}
	if got := encodeBase62(max); got != "aWgEPTl1tmebfsQzFP4bxwgy80V" { // KSUID's max string
		t.Fatal(got)
	}
}

func TestErrorsSurviveEnvelope(t *testing.T) {
	for _, e := range []error{model.ErrNotFound, model.ErrExists, model.ErrInvalid, model.ErrPrecondition, ErrNotLeader, raft.ErrLeadershipLost} {
		w := encodeError(errors.Join(errors.New("ctx"), e))
		var rep reply
		if err := decodeJSON(encodeJSON(reply{Err: w}), &rep); err != nil {
			t.Fatal(err)
		}
		got := decodeError(rep.Err)
		if !errors.Is(got, e) || !strings.Contains(got.Error(), e.Error()) {
			t.Fatalf("%v -> %v", e, got)
		}
	}
	if got := decodeError(encodeError(errors.New("boom"))); !errors.Is(got, ErrRemote) {
		t.Fatal(got)
	}
}

func TestConfigValidate(t *testing.T) {
	good := DefaultConfig()
	good.NodeID, good.Dir, good.Secret = "n1", "d", []byte("0123456789abcdef")
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, mut := range []func(*Config){
		func(c *Config) { c.NodeID = "" },
		func(c *Config) { c.Dir = "" },
		func(c *Config) { c.Voters = 4 },
		func(c *Config) { c.BootstrapExpect = -1 },
		func(c *Config) { c.Secret = []byte("short") },
		func(c *Config) { c.RootKey = &model.AccessKey{ID: "x"} },
	} {
		c := good
		mut(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("%+v: %v", c, err)
		}
	}
}
