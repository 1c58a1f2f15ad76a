package raftmeta

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/layout"
	"github.com/hashicorp/raft"
)

// Snapshot stream format (version 1):
//
//	magic "DMMETA" | version byte
//	repeated: uvarint(len key) > 0 | key | uvarint(len value) | value
//	uvarint(0) | uint64 BE record count | SHA-256 of every preceding byte
//
// Keys are non-empty, strictly increasing and below 0xff. Restore checks all
// of it before touching the database.
const (
	snapMagic      = "DMMETA"
	snapVersion    = byte(1)
	maxSnapKeyLen  = 64 << 10
	maxSnapValLen  = 16 << 20
	snapDeleteHigh = "\xff\xff"
)

type fsmSnapshot struct {
	snap *pebble.Snapshot
}

// Snapshot implements raft.FSM. It first syncs the Pebble WAL: FSM batches
// are committed unsynced, and raft will not replay entries at or below the
// snapshot index after a restart, so they must be durable in Pebble now.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	b := f.db.NewBatch()
	setUint64(b, keyApplied, f.applied.Load())
	if err := b.Commit(pebble.Sync); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("raftmeta: sync before snapshot: %w", err)
	}
	_ = b.Close()
	return &fsmSnapshot{snap: f.db.NewSnapshot()}, nil
}

// Persist implements raft.FSMSnapshot.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := writeSnapshot(sink, s.snap); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("raftmeta: persist snapshot: %w", err)
	}
	return sink.Close()
}

// Release implements raft.FSMSnapshot.
func (s *fsmSnapshot) Release() { _ = s.snap.Close() }

func writeSnapshot(w io.Writer, r pebble.Reader) error {
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	if _, err := bw.WriteString(snapMagic); err != nil {
		return err
	}
	_ = bw.WriteByte(snapVersion)
	it, err := r.NewIter(nil)
	if err != nil {
		return err
	}
	defer it.Close()
	var count uint64
	var lenBuf [binary.MaxVarintLen64]byte
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key(), it.Value()
		bw.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(k)))])
		bw.Write(k)
		bw.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(v)))])
		if _, err := bw.Write(v); err != nil {
			return err
		}
		count++
	}
	if err := it.Error(); err != nil {
		return err
	}
	_ = bw.WriteByte(0)
	var cnt [8]byte
	binary.BigEndian.PutUint64(cnt[:], count)
	bw.Write(cnt[:])
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err = w.Write(h.Sum(nil))
	return err
}

// Restore implements raft.FSM: it replaces the whole state with the
// snapshot's in one synced batch, and only after the stream validated.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b := f.db.NewBatch()
	defer b.Close()
	_ = b.DeleteRange([]byte{0}, []byte(snapDeleteHigh), nil)
	if _, err := readSnapshot(rc, func(k, v []byte) error {
		if err := validateRecord(k, v); err != nil {
			return err
		}
		return b.Set(k, v, nil)
	}); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("raftmeta: restore commit: %w", err)
	}
	return f.reload()
}

// validateRecord rejects records whose values the FSM itself parses on
// load, so a restore that validated cannot leave an unloadable state.
func validateRecord(k, v []byte) error {
	switch {
	case bytes.Equal(k, keyApplied), bytes.Equal(k, keyLastTime):
		if len(v) != 8 {
			return fmt.Errorf("%w: key %q has %d bytes", ErrBadSnapshot, k, len(v))
		}
	case bytes.HasPrefix(k, []byte("L\x00")):
		var l layout.Layout
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("%w: layout record: %v", ErrBadSnapshot, err)
		}
	}
	return nil
}

// hashingReader feeds everything read into a hash.
type hashingReader struct {
	r *bufio.Reader
	h hash.Hash
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	return n, err
}

func (hr *hashingReader) ReadByte() (byte, error) {
	c, err := hr.r.ReadByte()
	if err == nil {
		hr.h.Write([]byte{c})
	}
	return c, err
}

// readSnapshot validates a snapshot stream and calls put for every record;
// it returns the record count. Any error means the stream must be discarded.
func readSnapshot(r io.Reader, put func(k, v []byte) error) (uint64, error) {
	bad := func(format string, args ...any) (uint64, error) {
		return 0, fmt.Errorf("%w: "+format, append([]any{ErrBadSnapshot}, args...)...)
	}
	hr := &hashingReader{r: bufio.NewReaderSize(r, 64<<10), h: sha256.New()}
	head := make([]byte, len(snapMagic)+1)
	if _, err := io.ReadFull(hr, head); err != nil {
		return bad("header: %v", err)
	}
	if string(head[:len(snapMagic)]) != snapMagic {
		return bad("bad magic")
	}
	if head[len(snapMagic)] != snapVersion {
		return bad("unknown version %d", head[len(snapMagic)])
	}
	var count uint64
	var prev []byte
	for {
		kl, err := binary.ReadUvarint(hr)
		if err != nil {
			return bad("record %d key length: %v", count, err)
		}
		if kl == 0 {
			break
		}
		if kl > maxSnapKeyLen {
			return bad("record %d key length %d", count, kl)
		}
		k := make([]byte, kl)
		if _, err := io.ReadFull(hr, k); err != nil {
			return bad("record %d key: %v", count, err)
		}
		if prev != nil && bytes.Compare(k, prev) <= 0 || k[0] == 0xff {
			return bad("record %d key out of order", count)
		}
		vl, err := binary.ReadUvarint(hr)
		if err != nil || vl > maxSnapValLen {
			return bad("record %d value length %d: %v", count, vl, err)
		}
		v := make([]byte, vl)
		if _, err := io.ReadFull(hr, v); err != nil {
			return bad("record %d value: %v", count, err)
		}
		if err := put(k, v); err != nil {
			return 0, err
		}
		prev = k
		count++
	}
	var cnt [8]byte
	if _, err := io.ReadFull(hr, cnt[:]); err != nil {
		return bad("trailer: %v", err)
	}
	if got := binary.BigEndian.Uint64(cnt[:]); got != count {
		return bad("trailer says %d records, read %d", got, count)
	}
	want := hr.h.Sum(nil)
	sum := make([]byte, sha256.Size)
	if _, err := io.ReadFull(hr.r, sum); err != nil {
		return bad("checksum: %v", err)
	}
	if !bytes.Equal(sum, want) {
		return bad("checksum mismatch: %s != %s", hex.EncodeToString(sum), hex.EncodeToString(want))
	}
	if _, err := hr.r.ReadByte(); !errors.Is(err, io.EOF) {
		return bad("trailing data after checksum")
	}
	return count, nil
}

// stateHash hashes every key/value except the applied index.
func stateHash(r pebble.Reader) (string, error) {
	it, err := r.NewIter(nil)
	if err != nil {
		return "", err
	}
	defer it.Close()
	h := sha256.New()
	var lenBuf [binary.MaxVarintLen64]byte
	for ok := it.First(); ok; ok = it.Next() {
		if bytes.Equal(it.Key(), keyApplied) {
			continue
		}
		h.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(it.Key())))])
		h.Write(it.Key())
		h.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(it.Value())))])
		h.Write(it.Value())
	}
	if err := it.Error(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
