package membership

import (
	"encoding/json"
	"fmt"
)

// MaxMetaSize is the largest encoded node meta memberlist will carry.
const MaxMetaSize = 512

// metaFormat is the version of the wire encoding of Meta (not Meta.Version).
const metaFormat = 1

// Meta is what a node publishes about itself through gossip.
type Meta struct {
	ID       string // node ID; also the memberlist node name (unique, stable across restarts)
	Site     string // failure domain
	Capacity uint64 // storage capacity in bytes (0 for non-storage nodes)
	RPCAddr  string // peer RPC (host:port)
	RaftAddr string // raft stream layer (host:port)
	APIAddr  string // public API (host:port)
	S3Addr   string // S3 gateway (host:port), may be empty
	Server   bool   // raft server (voter candidate)
	Version  int    // software/protocol version of the node
}

// wireMeta is the compact JSON form of Meta with short keys. Leaving marks a
// node that is about to leave gracefully, so peers can report Left not Dead.
type wireMeta struct {
	F        int    `json:"f"`
	ID       string `json:"id"`
	Site     string `json:"s,omitempty"`
	Capacity uint64 `json:"c,omitempty"`
	RPCAddr  string `json:"r,omitempty"`
	RaftAddr string `json:"t,omitempty"`
	APIAddr  string `json:"a,omitempty"`
	S3Addr   string `json:"3,omitempty"`
	Server   bool   `json:"v,omitempty"`
	Version  int    `json:"n,omitempty"`
	Leaving  bool   `json:"l,omitempty"`
}

// Validate reports whether m can be published.
func (m Meta) Validate() error {
	if m.ID == "" {
		return fmt.Errorf("%w: empty node id", ErrBadMeta)
	}
	if _, err := encodeMeta(m, false); err != nil {
		return err
	}
	return nil
}

// EncodeMeta returns the wire form of m (at most MaxMetaSize bytes).
func EncodeMeta(m Meta) ([]byte, error) { return encodeMeta(m, false) }

func encodeMeta(m Meta, leaving bool) ([]byte, error) {
	if m.ID == "" {
		return nil, fmt.Errorf("%w: empty node id", ErrBadMeta)
	}
	b, err := json.Marshal(wireMeta{
		F: metaFormat, ID: m.ID, Site: m.Site, Capacity: m.Capacity,
		RPCAddr: m.RPCAddr, RaftAddr: m.RaftAddr, APIAddr: m.APIAddr, S3Addr: m.S3Addr,
		Server: m.Server, Version: m.Version, Leaving: leaving,
	})
	if err != nil {
		return nil, fmt.Errorf("membership: encode meta %q: %w", m.ID, err)
	}
	if len(b) > MaxMetaSize {
		return nil, fmt.Errorf("%w: node %q: %d > %d bytes", ErrMetaTooLarge, m.ID, len(b), MaxMetaSize)
	}
	return b, nil
}

// DecodeMeta parses the wire form produced by EncodeMeta.
func DecodeMeta(b []byte) (Meta, error) {
	m, _, err := decodeMeta(b)
	return m, err
}

func decodeMeta(b []byte) (Meta, bool, error) {
	if len(b) > MaxMetaSize {
		return Meta{}, false, fmt.Errorf("%w: %d > %d bytes", ErrMetaTooLarge, len(b), MaxMetaSize)
	}
	var w wireMeta
	if err := json.Unmarshal(b, &w); err != nil {
		return Meta{}, false, fmt.Errorf("%w: %v", ErrBadMeta, err)
	}
	if w.F != metaFormat {
		return Meta{}, false, fmt.Errorf("%w: unknown format %d", ErrBadMeta, w.F)
	}
	if w.ID == "" {
		return Meta{}, false, fmt.Errorf("%w: empty node id", ErrBadMeta)
	}
	return Meta{
		ID: w.ID, Site: w.Site, Capacity: w.Capacity,
		RPCAddr: w.RPCAddr, RaftAddr: w.RaftAddr, APIAddr: w.APIAddr, S3Addr: w.S3Addr,
		Server: w.Server, Version: w.Version,
	}, w.Leaving, nil
}
