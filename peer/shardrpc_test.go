package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/shard"
)

func TestShardRPC(t *testing.T) {
	store, mkShard := newTestStore(t)
	counting := &countingStore{ShardStore: store}
	srv := NewServer(ServerConfig{Secret: testSecret})
	srv.ServeShards(counting)
	addr := startServer(t, srv)
	c := newClient(t, ClientConfig{Secret: testSecret, Timeout: 5 * time.Second})
	ctx := context.Background()

	k0, b0 := mkShard(t, []byte("chunk zero"), 0)
	k1, b1 := mkShard(t, []byte("chunk one"), 1)
	missing := shard.Key{Chunk: chunk.Sum([]byte("never stored")), Index: 2}

	if _, err := c.GetShard(ctx, addr, k0); !errors.Is(err, shard.ErrNotFound) {
		t.Fatalf("get before put: %v", err)
	}
	for _, p := range []struct {
		k shard.Key
		b []byte
	}{{k0, b0}, {k1, b1}} {
		if err := c.PutShard(ctx, addr, p.k, p.b); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.GetShard(ctx, addr, k1)
	if err != nil || !bytes.Equal(got, b1) {
		t.Fatalf("get: %d bytes, %v", len(got), err)
	}
	has, err := c.HasShards(ctx, addr, []shard.Key{k0, missing, k1})
	if err != nil || fmt.Sprint(has) != "[true false true]" {
		t.Fatalf("has: %v %v", has, err)
	}
	if has, err := c.HasShards(ctx, addr, nil); err != nil || len(has) != 0 {
		t.Fatalf("empty has: %v %v", has, err)
	}
	// A shard whose bytes disagree with its key is refused.
	if err := c.PutShard(ctx, addr, missing, b0); !errors.Is(err, shard.ErrBadShard) {
		t.Fatalf("mismatched put: %v", err)
	}
	if err := c.DeleteShard(ctx, addr, k0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetShard(ctx, addr, k0); !errors.Is(err, shard.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	var se *StatusError
	if _, err := c.GetShard(ctx, addr, k0); !errors.As(err, &se) || se.Code != 404 {
		t.Fatalf("status of not found: %v", err)
	}

	// Unauthenticated shard calls never reach the store.
	before := counting.calls.Load()
	bad := newClient(t, ClientConfig{Secret: []byte("intruder")})
	if err := bad.PutShard(ctx, addr, k0, b0); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("intruder put: %v", err)
	}
	if err := bad.DeleteShard(ctx, addr, k1); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("intruder delete: %v", err)
	}
	if _, err := bad.GetShard(ctx, addr, k1); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("intruder get: %v", err)
	}
	if counting.calls.Load() != before {
		t.Fatal("store was called for unauthenticated requests")
	}
	if got, err := c.GetShard(ctx, addr, k1); err != nil || !bytes.Equal(got, b1) {
		t.Fatalf("k1 changed after intruder attempts: %v", err)
	}

	// Malformed keys are 400 and reach no store method.
	if _, err := c.do(ctx, addr, PathShardGet, "k=zz.1", nil, true); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("bad key: %v", err)
	}
	if _, err := c.Call(ctx, addr, PathShardHas, []byte("short")); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("bad has body: %v", err)
	}
	if counting.calls.Load() != before+1 { // only the GetShard above
		t.Fatalf("store called for malformed requests: %d", counting.calls.Load()-before)
	}
}

func TestErrorStatusMapping(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		want error
	}{
		{fmt.Errorf("x: %w", shard.ErrNotFound), 404, shard.ErrNotFound},
		{fmt.Errorf("x: %w", shard.ErrCorrupt), 409, shard.ErrCorrupt},
		{fmt.Errorf("x: %w", shard.ErrBadShard), 422, shard.ErrBadShard},
		{fmt.Errorf("write: %w", errNoSpace), 507, ErrNoSpace},
		{fmt.Errorf("x: %w", ErrBadRequest), 400, ErrBadRequest},
		{errors.New("other"), 500, nil},
	} {
		code, kind := errorStatus(tc.err)
		if code != tc.code {
			t.Errorf("%v → %d, want %d", tc.err, code, tc.code)
		}
		back := statusError(code, kind, tc.err.Error(), true)
		if tc.want != nil && !errors.Is(back, tc.want) {
			t.Errorf("%d/%s → %v, want %v", code, kind, back, tc.want)
		}
		if tc.want == nil && errors.Unwrap(back) != nil {
			t.Errorf("%d mapped to a sentinel: %v", code, errors.Unwrap(back))
		}
	}
	// Without the kind header a 404 is not a missing shard.
	if errors.Is(statusError(404, "", "no route", true), shard.ErrNotFound) {
		t.Fatal("bare 404 mapped to shard.ErrNotFound")
	}
}

// countingStore counts store calls that reach the backend.
type countingStore struct {
	ShardStore
	calls atomic.Int64
}

func (s *countingStore) Put(ctx context.Context, k shard.Key, b []byte) error {
	s.calls.Add(1)
	return s.ShardStore.Put(ctx, k, b)
}
func (s *countingStore) Get(ctx context.Context, k shard.Key) ([]byte, error) {
	s.calls.Add(1)
	return s.ShardStore.Get(ctx, k)
}
func (s *countingStore) Has(ctx context.Context, keys []shard.Key) ([]bool, error) {
	s.calls.Add(1)
	return s.ShardStore.Has(ctx, keys)
}
func (s *countingStore) Delete(ctx context.Context, k shard.Key) error {
	s.calls.Add(1)
	return s.ShardStore.Delete(ctx, k)
}

func TestParseKey(t *testing.T) {
	k := shard.Key{Chunk: chunk.Sum([]byte("x")), Index: 255}
	got, err := parseKey(formatKey(k))
	if err != nil || got != k {
		t.Fatalf("round trip: %v %v", got, err)
	}
	hexID := strings.Repeat("ab", 32)
	for _, bad := range []string{"", hexID, hexID + ".", hexID + ".256", hexID + ".01", hexID + ".-1",
		strings.ToUpper(hexID) + ".1", hexID[:62] + ".1", hexID + "00.1", "." + hexID, hexID + ".1.2"} {
		if _, err := parseKey(bad); !errors.Is(err, ErrBadRequest) {
			t.Errorf("parseKey(%q) = %v", bad, err)
		}
	}
}

func FuzzParseKey(f *testing.F) {
	f.Add(formatKey(shard.Key{Chunk: chunk.Sum(nil), Index: 3}))
	f.Add("00.0")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parseKey(s)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		if formatKey(k) != s {
			t.Fatalf("accepted non-canonical key %q (canonical %q)", s, formatKey(k))
		}
	})
}

func FuzzDecodeKeys(f *testing.F) {
	f.Add(encodeKeys([]shard.Key{{Chunk: chunk.Sum([]byte("a")), Index: 1}, {Index: 7}}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := decodeKeys(b)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		if !bytes.Equal(encodeKeys(keys), b) {
			t.Fatal("decode/encode not inverse")
		}
	})
}
