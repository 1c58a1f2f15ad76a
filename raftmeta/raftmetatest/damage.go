package raftmetatest

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/cockroachdb/pebble/v2"
)

// Stores of a node's filesystem, for FlipBytes.
const (
	DirRaft = "raft" // raft log and stable store (package raftlog)
	DirFSM  = "fsm"  // the FSM's Pebble database
)

// FlipBytes damages a stopped node's files as a rotting disk would: in
// every file of dir (DirRaft or DirFSM) whose name ends in suffix (".sst"
// for tables, ".log" for WALs), n bytes spread over the middle 80 % are
// inverted, written and synced beneath Pebble. It returns the files damaged.
func (c *Cluster) FlipBytes(id, dir, suffix string, n int) ([]string, error) {
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	if nd == nil || nd.running {
		return nil, fmt.Errorf("raftmetatest: FlipBytes: %s is not a stopped node", id)
	}
	names, err := nd.fs.List(dir)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var done []string
	for _, name := range names {
		if !strings.HasSuffix(name, suffix) {
			continue
		}
		p := path.Join(dir, name)
		if err := flipFile(nd, p, n); err != nil {
			return done, err
		}
		done = append(done, p)
	}
	if len(done) == 0 {
		return nil, fmt.Errorf("raftmetatest: no %s file in %s of %s", suffix, dir, id)
	}
	return done, nil
}

func flipFile(nd *Node, p string, n int) error {
	st, err := nd.fs.Stat(p)
	if err != nil {
		return err
	}
	size := st.Size()
	if size < 16 {
		return nil
	}
	f, err := nd.fs.OpenReadWrite(p, "")
	if err != nil {
		return err
	}
	lo, hi := size/10, size-size/10
	var b [1]byte
	for i := 0; i < n; i++ {
		off := lo + (hi-lo)*int64(i)/int64(n)
		if _, err := f.ReadAt(b[:], off); err != nil {
			return errors.Join(err, f.Close())
		}
		b[0] ^= 0x5a
		if _, err := f.WriteAt(b[:], off); err != nil {
			return errors.Join(err, f.Close())
		}
	}
	return errors.Join(f.Sync(), f.Close())
}

// CorruptSnapshot flips a byte in the middle of the latest raft snapshot a
// stopped node holds (its checksum no longer matches).
func (c *Cluster) CorruptSnapshot(id string) error {
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	if nd == nil || nd.running {
		return fmt.Errorf("raftmetatest: CorruptSnapshot: %s is not a stopped node", id)
	}
	nd.snaps.mu.Lock()
	defer nd.snaps.mu.Unlock()
	if nd.snaps.latest == nil || len(nd.snaps.latest.data) == 0 {
		return fmt.Errorf("raftmetatest: %s has no snapshot", id)
	}
	d := append([]byte(nil), nd.snaps.latest.data...)
	d[len(d)/2] ^= 0x5a
	nd.snaps.latest.data = d
	return nil
}

// SnapshotIndex is the index of the latest snapshot node id holds (0: none).
func (c *Cluster) SnapshotIndex(id string) uint64 {
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	metas, _ := nd.snaps.List()
	if len(metas) == 0 {
		return 0
	}
	return metas[0].Index
}

// Files lists the files of dir on node id whose names end in suffix, in
// name (so creation) order.
func (c *Cluster) Files(id, dir, suffix string) ([]string, error) {
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	names, err := nd.fs.List(dir)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			out = append(out, path.Join(dir, n))
		}
	}
	return out, nil
}

// FlipAt inverts the bytes at the given offsets of file p on stopped node id.
func (c *Cluster) FlipAt(id, p string, offsets ...int64) error {
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	if nd == nil || nd.running {
		return fmt.Errorf("raftmetatest: FlipAt: %s is not a stopped node", id)
	}
	f, err := nd.fs.OpenReadWrite(p, "")
	if err != nil {
		return err
	}
	var b [1]byte
	for _, off := range offsets {
		if _, err := f.ReadAt(b[:], off); err != nil {
			return errors.Join(err, f.Close())
		}
		b[0] ^= 0x5a
		if _, err := f.WriteAt(b[:], off); err != nil {
			return errors.Join(err, f.Close())
		}
	}
	return errors.Join(f.Sync(), f.Close())
}

// IsolateStable rewrites the raft stable-store values (CurrentTerm,
// LastVoteTerm, LastVoteCand: raftlog keys 's'+name) of stopped node id
// unchanged into a table of their own (Pebble opened directly, automatic
// compactions off, so nothing merges it away): a test can then damage the
// stable store without touching the log. It returns that table; its data
// block starts at offset 0.
func (c *Cluster) IsolateStable(id string) (string, error) {
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	if nd == nil || nd.running {
		return "", fmt.Errorf("raftmetatest: IsolateStable: %s is not a stopped node", id)
	}
	db, err := pebble.Open(DirRaft, &pebble.Options{FS: nd.fs, DisableAutomaticCompactions: true,
		FormatMajorVersion: pebble.FormatWALSyncChunks})
	if err != nil {
		return "", err
	}
	if err := db.Flush(); err != nil {
		return "", errors.Join(err, db.Close())
	}
	b := db.NewBatch()
	for _, k := range []string{"CurrentTerm", "LastVoteTerm", "LastVoteCand"} {
		v, closer, err := db.Get([]byte("s" + k))
		if errors.Is(err, pebble.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", errors.Join(err, db.Close())
		}
		_ = b.Set([]byte("s"+k), append([]byte(nil), v...), nil)
		_ = closer.Close()
	}
	if b.Empty() {
		return "", errors.Join(fmt.Errorf("raftmetatest: %s has no stable values", id), db.Close())
	}
	if err := errors.Join(b.Commit(pebble.Sync), db.Flush(), db.Close()); err != nil {
		return "", err
	}
	ssts, err := c.Files(id, DirRaft, ".sst")
	if err != nil || len(ssts) == 0 {
		return "", fmt.Errorf("raftmetatest: no raft sstable on %s: %v", id, err)
	}
	return ssts[len(ssts)-1], nil
}
