package raftmeta

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/reqid"
)

// Client request IDs (exactly-once writes, issue 22). A command that
// carries a requestStamp is applied at most once per (Scope, ID): the FSM
// keeps the outcome (result or domain error) with a digest of the request
// and answers a resend with it. The window is stamped by the leader into
// the command with the time, so every replica prunes the same records:
//
//   - a record lives while its issued time is younger than Keep (ms) before
//     the command time, and while fewer than Max newer records exist;
//   - a request without a record whose issued time is at or below the
//     horizon (the newest issued time pruned) or older than Keep is
//     refused with model.ErrRequestExpired, never applied;
//   - a request issued more than Keep after the command time (a client
//     clock far ahead) is refused as invalid;
//   - a request whose digest differs from the record's is refused with
//     model.ErrRequestReused.
type requestStamp struct {
	Scope  string `json:"s,omitempty"` // the authenticated key
	ID     string `json:"id"`
	Issued int64  `json:"at"` // unix ms, from the ID
	Sum    []byte `json:"sum"`
	Keep   int64  `json:"keep,omitempty"` // window age, ms (leader-stamped)
	Max    uint64 `json:"max,omitempty"`  // window size, records (leader-stamped)
}

// requestRecord is the remembered outcome of a stamped command.
type requestRecord struct {
	Issued int64      `json:"at"`
	Sum    []byte     `json:"sum"`
	Index  uint64     `json:"i"`
	Data   []byte     `json:"d,omitempty"`
	Err    *wireError `json:"e,omitempty"`
}

var (
	prefixReq    = []byte("\x00q\x00") // + scope + 0 + id -> requestRecord
	prefixReqAge = []byte("\x00Q\x00") // + issued(8) + scope + 0 + id -> empty (pruning order)
	keyReqCount  = []byte("\x00qn")    // records held
	keyReqHorzn  = []byte("\x00qh")    // newest issued time pruned by size (ms)
)

func reqKey(scope, id string) []byte {
	return append(append([]byte(nil), prefixReq...), scope+sep+id...)
}

func reqAgeKey(issued int64, scope, id string) []byte {
	k := append(append([]byte(nil), prefixReqAge...), u64(uint64(issued))...)
	return append(k, scope+sep+id...)
}

// check reports whether a decoded stamp is well formed (nil is: no ID).
func (s *requestStamp) check() error {
	if s == nil {
		return nil
	}
	if s.ID == "" || len(s.ID) > reqid.MaxLen+12 || len(s.Scope) > 1024 || len(s.Sum) != sha256.Size || s.Keep < 0 {
		return fmt.Errorf("%w: malformed request stamp", ErrBadCommand)
	}
	return nil
}

// window returns the stamp's window, the defaults where it has none (a
// command from before the leader stamped windows; constants, so every
// replica agrees).
func (s *requestStamp) window() (keep int64, size uint64) {
	d := DefaultConfig()
	keep, size = s.Keep, s.Max
	if keep <= 0 {
		keep = d.RequestMaxAge.Milliseconds()
	}
	if size == 0 {
		size = d.RequestWindow
	}
	return keep, size
}

// stampRequest attaches the client request carried by ctx (if any) to cmd.
func stampRequest(ctx context.Context, cmd *command) {
	r := reqid.From(ctx)
	if r == nil {
		return
	}
	cmd.Req = &requestStamp{Scope: r.Scope, ID: r.Next(), Issued: r.Issued, Sum: r.Sum[:]}
}

// checkRequest looks cmd's request up before it is executed. done is true
// when the command must not run: res is then the answer (the remembered
// outcome, or a refusal).
func (f *fsm) checkRequest(b pebble.Reader, s *requestStamp, nowMs int64) (res *applyResult, done bool) {
	var rec requestRecord
	found, err := getJSON(b, reqKey(s.Scope, s.ID), &rec)
	if err != nil {
		f.fatal("read request record", err)
	}
	keep, size := s.window()
	expired := func() *applyResult {
		return &applyResult{Err: fmt.Errorf("%w: request %s is older than the deduplication window (%d ms, %d requests); it was not applied now, re-read before sending a new request",
			model.ErrRequestExpired, s.ID, keep, size)}
	}
	if found {
		if rec.Issued < nowMs-keep { // not pruned yet; expired all the same
			return expired(), true
		}
		if !bytes.Equal(rec.Sum, s.Sum) {
			return &applyResult{Err: fmt.Errorf("%w: request %s was %s with another operation",
				model.ErrRequestReused, s.ID, "sent")}, true
		}
		return &applyResult{Index: rec.Index, Data: rec.Data, Err: decodeError(rec.Err)}, true
	}
	horizon, err := getUint64(b, keyReqHorzn)
	if err != nil {
		f.fatal("read request horizon", err)
	}
	switch {
	case s.Issued <= int64(horizon) || s.Issued < nowMs-keep:
		return expired(), true
	case s.Issued > nowMs+keep:
		return &applyResult{Err: fmt.Errorf("%w: request %s issued %d ms ahead of the cluster clock",
			model.ErrInvalid, s.ID, s.Issued-nowMs)}, true
	}
	return nil, false
}

// recordRequest stores the outcome of cmd's request in b (an indexed
// batch) and prunes the window.
func (f *fsm) recordRequest(b *pebble.Batch, s *requestStamp, index uint64, data []byte, outcome error, nowMs int64) {
	keep, size := s.window()
	rec := requestRecord{Issued: s.Issued, Sum: s.Sum, Index: index, Data: data, Err: encodeError(outcome)}
	(&txn{b: b}).putJSON(reqKey(s.Scope, s.ID), rec)
	_ = b.Set(reqAgeKey(s.Issued, s.Scope, s.ID), nil, nil)
	n, err := getUint64(b, keyReqCount)
	if err != nil {
		f.fatal("read request count", err)
	}
	n++
	horizon, err := getUint64(b, keyReqHorzn)
	if err != nil {
		f.fatal("read request horizon", err)
	}
	it, err := b.NewIter(&pebble.IterOptions{LowerBound: prefixReqAge, UpperBound: prefixEnd(prefixReqAge)})
	if err != nil {
		f.fatal("request prune", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		issued := int64(binary.BigEndian.Uint64(k[len(prefixReqAge):]))
		if n <= size && issued >= nowMs-keep {
			break
		}
		if n > size {
			horizon = max(horizon, uint64(issued))
		}
		scopeID := k[len(prefixReqAge)+8:]
		_ = b.Delete(append(append([]byte(nil), prefixReq...), scopeID...), nil)
		_ = b.Delete(append([]byte(nil), k...), nil)
		n--
	}
	setUint64(b, keyReqCount, n)
	setUint64(b, keyReqHorzn, horizon)
}
