package raftmeta_test

import (
	"errors"
	"testing"
	"time"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// Drain then undrain through a follower: the node gets back the capacity it
// advertises by gossip in a new layout version; undraining a node that is
// not drained, not up or unknown fails without a layout change.
func TestUndrainNode(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{Sites: []string{"a", "b", "c"}})
	leader := waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	var follower string
	for _, id := range c.IDs() {
		if id != leader {
			follower = id
		}
	}
	m := c.Meta(follower)
	capOf := func(id string) uint64 {
		n, ok := m.Layout().Node(layout.NodeID(id))
		if !ok {
			t.Fatalf("%s not in the layout", id)
		}
		return n.Capacity
	}
	want := capOf("n2")
	if want == 0 {
		t.Fatal("n2 starts drained")
	}
	if _, err := m.UndrainNode(ctx, "n2"); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("undrain of a node that is not drained: %v", err)
	}
	if err := m.SetNodeCapacity(ctx, "n2", 0); err != nil {
		t.Fatal(err)
	}
	barrier := func() {
		t.Helper()
		if _, err := m.GetContext(ctx, model.DefaultContext); err != nil { // linearizable read: applied here
			t.Fatal(err)
		}
	}
	barrier()
	v := m.Layout().Version
	if capOf("n2") != 0 {
		t.Fatal("drain not visible")
	}
	got, err := m.UndrainNode(ctx, "n2")
	if err != nil || got != want {
		t.Fatalf("undrain: capacity %d, %v; want %d", got, err, want)
	}
	barrier()
	if capOf("n2") != want || m.Layout().Version <= v {
		t.Fatalf("after undrain: capacity %d version %d (drained version %d)", capOf("n2"), m.Layout().Version, v)
	}
	if _, err := m.UndrainNode(ctx, "n2"); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("second undrain: %v", err)
	}
	// A node gossip reports dead: its capacity is unknown.
	if err := m.SetNodeCapacity(ctx, "n3", 0); err != nil {
		t.Fatal(err)
	}
	c.SetAlive("n3", false)
	if _, err := m.UndrainNode(ctx, "n3"); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("undrain of a dead node: %v", err)
	}
	c.SetAlive("n3", true)
	if _, err := m.UndrainNode(ctx, "n3"); err != nil {
		t.Fatalf("undrain after it came back: %v", err)
	}
	if _, err := m.UndrainNode(ctx, "n9"); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("undrain of an unknown node: %v", err)
	}
	if _, err := m.UndrainNode(ctx, ""); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("undrain of an empty id: %v", err)
	}
}
