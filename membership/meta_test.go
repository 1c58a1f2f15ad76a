package membership

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

func TestMetaRoundTrip(t *testing.T) {
	m := Meta{ID: "node-1", Site: "eu-1", Capacity: 1 << 40, RPCAddr: "127.0.0.1:7001",
		RaftAddr: "127.0.0.1:7002", APIAddr: "127.0.0.1:7003", S3Addr: "127.0.0.1:7004", Server: true, Version: 3}
	b, err := EncodeMeta(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxMetaSize {
		t.Fatalf("encoded %d bytes", len(b))
	}
	got, err := DecodeMeta(b)
	if err != nil {
		t.Fatal(err)
	}
	if got != m {
		t.Fatalf("round trip: got %+v want %+v", got, m)
	}
	// the leaving flag survives the internal codec but not the public Meta
	b2, err := encodeMeta(m, true)
	if err != nil {
		t.Fatal(err)
	}
	got2, leaving, err := decodeMeta(b2)
	if err != nil || !leaving || got2 != m {
		t.Fatalf("leaving codec: %+v %v %v", got2, leaving, err)
	}
}

func TestMetaErrors(t *testing.T) {
	if _, err := EncodeMeta(Meta{}); !errors.Is(err, ErrBadMeta) {
		t.Fatalf("empty id: %v", err)
	}
	big := Meta{ID: "n", Site: strings.Repeat("s", MaxMetaSize)}
	if _, err := EncodeMeta(big); !errors.Is(err, ErrMetaTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	for _, in := range []string{"", "{", `{"f":1}`, `{"f":2,"id":"x"}`, `{"id":"x"}`, `[]`, `{"f":1,"id":"x","c":-1}`} {
		if _, err := DecodeMeta([]byte(in)); !errors.Is(err, ErrBadMeta) {
			t.Errorf("DecodeMeta(%q) = %v, want ErrBadMeta", in, err)
		}
	}
	if _, err := DecodeMeta(make([]byte, MaxMetaSize+1)); !errors.Is(err, ErrMetaTooLarge) {
		t.Fatalf("oversized input: %v", err)
	}
}

func FuzzDecodeMeta(f *testing.F) {
	b, _ := EncodeMeta(Meta{ID: "a", Site: "s", Capacity: 7, RPCAddr: "h:1", Server: true, Version: 1})
	f.Add(b)
	f.Add([]byte(`{"f":1,"id":"x","l":true}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, leaving, err := decodeMeta(in)
		if err != nil {
			return
		}
		if m.ID == "" {
			t.Fatal("decoded meta with empty id")
		}
		// Anything accepted must re-encode and decode to the same value.
		out, err := encodeMeta(m, leaving)
		if err != nil {
			// a valid input can only fail to re-encode if escaping grew it past the limit
			if errors.Is(err, ErrMetaTooLarge) {
				return
			}
			t.Fatalf("re-encode %+v: %v", m, err)
		}
		m2, l2, err := decodeMeta(out)
		if err != nil || m2 != m || l2 != leaving {
			t.Fatalf("re-decode: %+v %v %v, want %+v %v", m2, l2, err, m, leaving)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); !errors.Is(err, ErrConfig) {
		t.Fatalf("no meta: %v", err)
	}
	c.Meta = Meta{ID: "n1"}
	if err := c.Validate(); !errors.Is(err, ErrConfig) {
		t.Fatalf("no secret: %v", err)
	}
	c.Secret = []byte("s3cret")
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.BindPort = 70000
	if err := c.Validate(); !errors.Is(err, ErrConfig) {
		t.Fatalf("bad port: %v", err)
	}
	k1, _ := GossipKey([]byte("a"))
	k2, _ := GossipKey([]byte("b"))
	if len(k1) != 32 || string(k1) == string(k2) {
		t.Fatal("gossip keys must be 32 bytes and differ per secret")
	}
}

func TestViewForgetsDeadMembers(t *testing.T) {
	v, err := newView(Meta{ID: "self"}, 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	v.log = slog.New(slog.DiscardHandler)
	meta, _ := EncodeMeta(Meta{ID: "other", Site: "x"})
	node := &memberlist.Node{Name: "other", Addr: net.IPv4(127, 0, 0, 1), Port: 1, Meta: meta}
	v.NotifyJoin(node)
	v.NotifyLeave(node)
	if ms := v.snapshot(); len(ms) != 1 || ms[0].State != Dead || ms[0].Site != "x" {
		t.Fatalf("after leave: %+v", ms)
	}
	time.Sleep(100 * time.Millisecond)
	if ms := v.snapshot(); len(ms) != 0 {
		t.Fatalf("dead member not forgotten: %+v", ms)
	}
	// Undecodable meta still yields a member named after the node.
	v.NotifyJoin(&memberlist.Node{Name: "garbled", Addr: net.IPv4(127, 0, 0, 1), Port: 2, Meta: []byte("{")})
	if ms := v.snapshot(); len(ms) != 1 || ms[0].ID != "garbled" || ms[0].State != Alive {
		t.Fatalf("garbled meta: %+v", ms)
	}
}
