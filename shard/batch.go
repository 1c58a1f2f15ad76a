package shard

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
)

// job is one planned batch.
type job struct {
	gen    uint64
	reqs   []*request
	order  []Key // distinct keys in arrival order
	ops    map[Key]*op
	writes []*op      // puts that write data, ascending seq
	next   uint64     // next data sequence after this batch (persisted)
	path   string     // staged sstable, if writes
	built  chan error // builder result, if writes
	err    error      // planning or building failed
	ready  bool       // build finished (err holds its failure)
	epoch  uint64     // Store.planEpoch when planned (see commitLoop)
}

// op is the final effect of a batch on one key.
type op struct {
	req *request    // last request for the key; nil: identical re-put
	old *indexEntry // index state before the batch (nil: absent)
	seq uint64      // data sequence of a put that writes data
}

// pending is the uncommitted index state of a key written by an in-flight
// batch: e == nil means deleted.
type pending struct {
	gen  uint64
	e    *indexEntry
	data []byte
}

// plan resolves a batch against the committed index plus the overlay of
// in-flight batches and assigns data sequence numbers.
func (s *Store) plan(batch []*request, gen uint64, next *uint64) *job {
	j := &job{gen: gen, reqs: batch, ops: map[Key]*op{}}
	for _, r := range batch {
		if o, ok := j.ops[r.key]; ok {
			o.req = r // last request for a key wins
			continue
		}
		j.ops[r.key] = &op{req: r}
		j.order = append(j.order, r.key)
	}
	s.ovMu.Lock()
	defer s.ovMu.Unlock()
	for _, k := range j.order {
		o := j.ops[k]
		var oldData []byte
		if p, ok := s.overlay[k]; ok {
			o.old, oldData = p.e, p.data
		} else if e, err := s.lookup(k); err == nil {
			o.old = &e
		} else if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
			j.err = err
			return j
		}
		if o.req.del {
			s.overlay[k] = pending{gen: gen}
			continue
		}
		if o.old != nil && !o.req.force && o.old.info.Size == len(o.req.data) {
			if oldData == nil {
				oldData, _ = s.getCopy(dataKey(o.old.seq))
			}
			if bytes.Equal(oldData, o.req.data) {
				o.req = nil // identical re-put: nothing to write
				continue
			}
		}
		o.seq = *next
		*next++
		j.writes = append(j.writes, o)
		s.overlay[k] = pending{gen: gen, e: &indexEntry{seq: o.seq, info: o.req.info}, data: o.req.data}
	}
	j.next = *next
	if len(j.writes) > 0 {
		j.path = s.cfg.FS.PathJoin(s.ingest, fmt.Sprintf("%016x.sst", j.writes[0].seq))
	}
	return j
}

// retire drops the overlay entries that j still owns.
func (s *Store) retire(j *job) {
	s.ovMu.Lock()
	defer s.ovMu.Unlock()
	for _, k := range j.order {
		if p, ok := s.overlay[k]; ok && p.gen == j.gen {
			delete(s.overlay, k)
		}
	}
}

// buildTable writes the shards of j (ascending data keys) into the staged
// sstable and fsyncs it.
func (s *Store) buildTable(j *job) error {
	f, err := s.cfg.FS.Create(j.path, "")
	if err != nil {
		return fmt.Errorf("create sstable: %w", err)
	}
	opts := sstable.WriterOptions{
		TableFormat: s.db.TableFormat(),
		Compression: sstable.NoCompression, // shards are mostly incompressible; CPU is shared
		BlockSize:   32 << 10,
	}
	w := sstable.NewWriter(objstorageprovider.NewFileWritable(f), opts)
	for _, o := range j.writes {
		if err := w.Set(dataKey(o.seq), o.req.data); err != nil {
			_ = w.Close()
			return fmt.Errorf("write sstable: %w", err)
		}
	}
	if err := w.Close(); err != nil { // flushes, fsyncs and closes the file
		return fmt.Errorf("finish sstable: %w", err)
	}
	return nil
}

// commitGroup ingests the sstables of jobs (consecutive, in batch order)
// in one Ingest — they land in L6: data keys only grow — and then commits
// all their index entries in one synced batch.
func (s *Store) commitGroup(jobs []*job) error {
	var paths []string
	var ingested uint64
	for _, j := range jobs {
		if j.err != nil {
			return j.err
		}
		if len(j.writes) > 0 {
			paths = append(paths, j.path)
			for _, o := range j.writes {
				ingested += uint64(len(o.req.data))
			}
		}
	}
	if len(paths) > 0 {
		if err := s.db.Ingest(context.Background(), paths); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		for _, j := range jobs {
			j.path = "" // Ingest removed it
		}
	}
	b := s.db.NewBatch()
	defer b.Close()
	var dShards, dBytes int64
	var puts, dels uint64
	for _, j := range jobs {
		for _, k := range j.order {
			o := j.ops[k]
			ik := indexKey(k)
			var err error
			switch {
			case o.req == nil:
				puts++
				continue
			case o.req.del:
				if o.old == nil {
					continue
				}
				err = errors.Join(b.Delete(ik, nil), b.Delete(dataKey(o.old.seq), nil))
				dels++
			default:
				err = b.Set(ik, encodeIndexValue(indexEntry{seq: o.seq, info: o.req.info}), nil)
				if o.old != nil {
					err = errors.Join(err, b.Delete(dataKey(o.old.seq), nil))
				}
				dShards++
				dBytes += int64(o.req.info.Size)
				puts++
			}
			if err != nil {
				return err
			}
			if o.old != nil {
				dShards--
				dBytes -= int64(o.old.info.Size)
			}
		}
	}
	next := jobs[len(jobs)-1].next
	var seqb [8]byte
	for i := range seqb {
		seqb[i] = byte(next >> (56 - 8*i))
	}
	if err := b.Set(metaNextSeq, seqb[:], nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("index commit: %w", err)
	}
	s.shards.Add(dShards)
	s.bytes.Add(dBytes)
	s.puts.Add(puts)
	s.dels.Add(dels)
	s.batchN.Add(uint64(len(jobs)))
	s.commits.Add(1)
	s.ingested.Add(ingested)
	return nil
}
