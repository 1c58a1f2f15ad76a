package raftmeta_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// The election counters follow what happened: after bootstrap every node
// saw one leader and the same term; after the leader is isolated the
// others elect a new one, and their term and counters move.
func TestElectionStats(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{Sites: []string{"a", "b", "c"}})
	leader := waitReady(t, c)
	term := c.Meta(leader).ElectionStats().Term
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		for _, id := range c.Running() {
			es := c.Meta(id).ElectionStats()
			if es.Term != term || es.LeaderChanges < 1 {
				return fmt.Errorf("%s: %+v, leader term %d", id, es, term)
			}
		}
		if es := c.Meta(leader).ElectionStats(); es.Elections < 1 {
			return fmt.Errorf("leader %s never was a candidate: %+v", leader, es)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var others []string
	for _, id := range c.Running() {
		if id != leader {
			others = append(others, id)
		}
	}
	before := c.Meta(others[0]).ElectionStats()
	c.Isolate(leader)
	if _, err := c.Leader(20*time.Second, others...); err != nil {
		t.Fatal(err)
	}
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		es := c.Meta(others[0]).ElectionStats()
		if es.Term <= before.Term || es.LeaderChanges <= before.LeaderChanges {
			return fmt.Errorf("%s after a new election: %+v (before %+v)", others[0], es, before)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
