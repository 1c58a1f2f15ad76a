package raftmetatest

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// memSnapshots is an in-memory raft.SnapshotStore keeping the latest
// snapshot. Like raft's FileSnapshotStore (write to a temp dir, rename on
// Close) a snapshot becomes visible to List and Open only when its sink is
// closed. raft's InmemSnapshotStore publishes the sink as soon as it is
// created, so a leader sending its latest snapshot read the buffer the
// snapshot goroutine was still writing: a data race `make test-race` found,
// and a half-written snapshot no real store would ever serve.
type memSnapshots struct {
	mu     sync.Mutex
	latest *memSnapshot // nil: none yet
}

type memSnapshot struct {
	meta raft.SnapshotMeta
	data []byte
}

func newMemSnapshots() *memSnapshots { return &memSnapshots{} }

// Create starts a snapshot; it is published by the sink's Close.
func (s *memSnapshots) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration,
	configurationIndex uint64, _ raft.Transport) (raft.SnapshotSink, error) {
	return &memSink{store: s, meta: raft.SnapshotMeta{
		Version: version, ID: fmt.Sprintf("%d-%d-%d", term, index, time.Now().UnixMilli()),
		Index: index, Term: term, Configuration: configuration, ConfigurationIndex: configurationIndex,
	}}, nil
}

// List returns the latest published snapshot, if any.
func (s *memSnapshots) List() ([]*raft.SnapshotMeta, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.latest == nil {
		return nil, nil
	}
	m := s.latest.meta
	return []*raft.SnapshotMeta{&m}, nil
}

// Open reads the latest published snapshot; any other ID is an error.
func (s *memSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.latest == nil || s.latest.meta.ID != id {
		return nil, nil, fmt.Errorf("raftmetatest: snapshot %s not found", id)
	}
	m := s.latest.meta
	return &m, io.NopCloser(bytes.NewReader(s.latest.data)), nil
}

// memSink buffers one snapshot until Close.
type memSink struct {
	store *memSnapshots
	meta  raft.SnapshotMeta
	buf   bytes.Buffer
	done  bool
}

func (k *memSink) Write(p []byte) (int, error) { return k.buf.Write(p) }
func (k *memSink) ID() string                  { return k.meta.ID }
func (k *memSink) Cancel() error               { k.done = true; return nil }

func (k *memSink) Close() error {
	if k.done {
		return nil
	}
	k.done = true
	k.meta.Size = int64(k.buf.Len())
	k.store.mu.Lock()
	k.store.latest = &memSnapshot{meta: k.meta, data: k.buf.Bytes()}
	k.store.mu.Unlock()
	return nil
}
