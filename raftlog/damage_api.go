package raftlog

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Damage returns the damage recorded at Open and not yet cleared, or nil.
func (s *Store) Damage() *Damage {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	if s.damage == nil {
		return nil
	}
	d := *s.damage
	return &d
}

// RaftDamage is Damage for callers that must not import this package
// (raftmeta.StoreDamage).
func (s *Store) RaftDamage() (log, stable bool, reason string) {
	d := s.Damage()
	if d == nil {
		return false, false, ""
	}
	return d.Log, d.Stable, d.Reason
}

// ClearDamage deletes the persisted Damage (synced): the caller has made
// sure the node holds again everything it could have acknowledged.
func (s *Store) ClearDamage() error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	if err := s.db.Delete(damageKey, pebble.Sync); err != nil {
		return fmt.Errorf("raftlog: clear damage: %w", err)
	}
	s.dmu.Lock()
	s.damage = nil
	s.dmu.Unlock()
	return nil
}

// ClearRaftDamage is ClearDamage for raftmeta.StoreDamage.
func (s *Store) ClearRaftDamage() error { return s.ClearDamage() }

// RecordRaftDamage persists log damage found by the caller (raftmeta
// discards the whole log when the FSM cannot be rebuilt locally): the node
// then refuses to vote, across restarts, until ClearDamage.
func (s *Store) RecordRaftDamage(reason string) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	s.dmu.Lock()
	defer s.dmu.Unlock()
	d := Damage{Log: true, Reason: reason, At: time.Now().UTC()}
	if s.damage != nil {
		d = *s.damage
		d.Log = true
		d.Reason += "; " + reason
	}
	js, _ := json.Marshal(d)
	if err := s.db.Set(damageKey, js, pebble.Sync); err != nil {
		return fmt.Errorf("raftlog: record damage: %w", err)
	}
	s.damage = &d
	return nil
}

// Flush writes the memtable to an sstable (tests and tools: it lets a test
// place recent writes, e.g. the stable values, in a table of their own).
func (s *Store) Flush() error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	return s.db.Flush()
}
