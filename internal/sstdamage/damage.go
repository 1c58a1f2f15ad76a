package sstdamage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/sstable/block"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Block is a byte range of an sstable file (a block's body, no trailer).
type Block struct {
	Offset, Length uint64
}

// layout reads the block layout of the sstable at path.
func layout(path string) (*sstable.Layout, error) {
	r, err := openReader(path)
	if err != nil {
		return nil, err
	}
	l, err := r.Layout()
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("sstdamage: layout of %s: %w", path, err)
	}
	return l, nil
}

func openReader(path string) (*sstable.Reader, error) {
	f, err := vfs.Default.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sstdamage: %w", err)
	}
	readable, err := sstable.NewSimpleReadable(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("sstdamage: %s: %w", path, err)
	}
	r, err := sstable.NewReader(context.Background(), readable, sstable.ReaderOptions{})
	if err != nil {
		_ = readable.Close()
		return nil, fmt.Errorf("sstdamage: read %s: %w", path, err)
	}
	return r, nil
}

// DataBlocks lists the data blocks of the sstable at path.
func DataBlocks(path string) ([]Block, error) {
	l, err := layout(path)
	if err != nil {
		return nil, err
	}
	out := make([]Block, 0, len(l.Data))
	for _, d := range l.Data {
		out = append(out, Block{Offset: d.Offset, Length: d.Length})
	}
	return out, nil
}

// IndexBlock is the sstable's (top-level) index block.
func IndexBlock(path string) (Block, error) {
	l, err := layout(path)
	if err != nil {
		return Block{}, err
	}
	h := l.TopIndex
	if h.Length == 0 && len(l.Index) > 0 {
		h = l.Index[0]
	}
	if h.Length == 0 {
		return Block{}, fmt.Errorf("sstdamage: %s: no index block: %w", path, ErrNoTable)
	}
	return Block{Offset: h.Offset, Length: h.Length}, nil
}

// Flip changes n random bytes (at least one) inside b of the file at path
// and syncs it. Every chosen byte changes (XOR with a non-zero value), so
// the block's checksum no longer matches.
func Flip(path string, b Block, n int, rng *rand.Rand) error {
	if b.Length == 0 {
		return fmt.Errorf("sstdamage: %s: empty block @%d", path, b.Offset)
	}
	w, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sstdamage: %w", err)
	}
	for range max(1, n) {
		off := int64(b.Offset) + rng.Int64N(int64(b.Length))
		c := []byte{0}
		if _, err = w.ReadAt(c, off); err != nil {
			break
		}
		c[0] ^= byte(1 + rng.IntN(255))
		if _, err = w.WriteAt(c, off); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sstdamage: flip %s: %w", path, err)
	}
	return nil
}

// Truncate cuts the file at path to half its size (a torn file) and
// returns the new size.
func Truncate(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("sstdamage: %w", err)
	}
	if err := os.Truncate(path, st.Size()/2); err != nil {
		return 0, fmt.Errorf("sstdamage: %w", err)
	}
	return st.Size() / 2, nil
}

// Unreadable returns, of the data sequence numbers seqs held in the data
// table at path, those whose key or value no longer reads back from the
// file (their data block fails its checksum). Every seq is unreadable when
// the file's footer or index is.
func Unreadable(path string, seqs []uint64) ([]uint64, error) {
	r, err := openReader(path)
	if err != nil {
		return seqs, nil // an unopenable table holds no readable shard
	}
	defer r.Close()
	var out []uint64
	for _, s := range seqs {
		ok, err := readable(r, DataKey(s))
		if err != nil {
			return nil, fmt.Errorf("sstdamage: %s: %w", path, err)
		}
		if !ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// readable reports whether key and its value read back from r.
func readable(r *sstable.Reader, key []byte) (bool, error) {
	it, err := r.NewIter(block.NoTransforms, key, append(append([]byte(nil), key...), 0), sstable.AssertNoBlobHandles)
	if err != nil {
		return false, nil // the index does not read: nothing does
	}
	kv := it.SeekGE(key, 0)
	ok := kv != nil && string(kv.K.UserKey) == string(key)
	if ok {
		_, _, verr := kv.Value(nil)
		ok = verr == nil
	}
	ierr := it.Error()
	if cerr := it.Close(); ierr == nil {
		ierr = cerr
	}
	if ierr != nil {
		return false, nil
	}
	if !ok && kv == nil {
		return false, errors.New("key " + fmt.Sprintf("%x", key) + " not in the table")
	}
	return ok, nil
}
