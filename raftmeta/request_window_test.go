package raftmeta_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/reqid"
)

// offsetClock is a leader clock tests move forward.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (o *offsetClock) now() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Now().Add(o.off)
}

func (o *offsetClock) advance(d time.Duration) {
	o.mu.Lock()
	o.off += d
	o.mu.Unlock()
}

// The window: past its age (leader-stamped time) or its size a resend is
// refused as expired and changes nothing, and so is a first attempt whose
// ID was issued before the window (a client clock far behind).
func TestRequestWindowExpires(t *testing.T) {
	clk := &offsetClock{}
	c := raftmetatest.New(t, 1, raftmetatest.Options{Clock: clk.now, RequestWindow: 4, RequestMaxAge: time.Minute})
	waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	m, d := c.Meta("n1"), model.DefaultContext
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "r", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	commit := func(id string) (model.Bundle, error) {
		return m.CommitBundle(sent(ctx, id, "commit"), model.Bundle{Context: d, Repo: "r", Message: "m"}, nil)
	}
	count := func() int {
		bs, err := m.ListBundles(ctx, d, "r")
		if err != nil {
			t.Fatal(err)
		}
		return len(bs)
	}
	// Age.
	old := reqid.New(clk.now())
	if _, err := commit(old); err != nil {
		t.Fatal(err)
	}
	if _, err := commit(old); err != nil {
		t.Fatalf("resend inside the window: %v", err)
	}
	clk.advance(2 * time.Minute)
	if _, err := commit(old); !errors.Is(err, model.ErrRequestExpired) {
		t.Fatalf("resend after the window's age: %v", err)
	}
	behind := reqid.New(clk.now().Add(-90 * time.Second))
	if _, err := commit(behind); !errors.Is(err, model.ErrRequestExpired) {
		t.Fatalf("first attempt issued before the window: %v", err)
	}
	ahead := reqid.New(clk.now().Add(time.Hour))
	if _, err := commit(ahead); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("ID issued an hour ahead: %v", err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d bundles, want 1", n)
	}
	// Size: 4 records; the fifth pushes the first out.
	ids := make([]string, 5)
	for i := range ids {
		ids[i] = reqid.New(clk.now().Add(time.Duration(i) * time.Millisecond))
		if _, err := commit(ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := commit(ids[0]); !errors.Is(err, model.ErrRequestExpired) {
		t.Fatalf("resend pushed out by size: %v", err)
	}
	if _, err := commit(ids[4]); err != nil {
		t.Fatalf("resend of the newest: %v", err)
	}
	if n := count(); n != 6 {
		t.Fatalf("%d bundles, want 6", n)
	}
}

// The window survives a snapshot install (a follower cut off while the
// request applied catches up from a snapshot), a leader kill and restarts.
func TestRequestWindowSurvivesSnapshotAndLeaderKill(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{Sites: []string{"a", "b", "c"}, SnapshotThreshold: 8, TrailingLogs: 4})
	leader := waitReady(t, c)
	ctx := testCtx(t, 90*time.Second)
	d := model.DefaultContext
	var lagger string
	for _, id := range c.IDs() {
		if id != leader {
			lagger = id
		}
	}
	c.Isolate(lagger)
	m := c.Meta(leader)
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "r", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	id := reqid.New(time.Now())
	first, err := m.CommitBundle(sent(ctx, id, "commit"), model.Bundle{Context: d, Repo: "r", Message: "m"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	applied := m.AppliedIndex()
	// Write until a snapshot compacted the leader's log past the request
	// (snapshots run in the background: poll with a deadline).
	i := 0
	if err := raftmetatest.WaitFor(60*time.Second, func() error {
		i++
		if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: fmt.Sprintf("f%d", i), Description: "x"}); err != nil {
			return err
		}
		if first, _ := c.FirstLogIndex(leader); first <= applied+1 {
			return fmt.Errorf("log starts at %d, request at %d", first, applied)
		}
		return nil
	}); err != nil {
		t.Fatalf("the leader's log was never compacted past the request: %v", err)
	}
	c.Heal()
	if _, err := c.Converged(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if c.SnapshotIndex(lagger) < applied {
		t.Fatalf("%s caught up without a snapshot past %d", lagger, applied)
	}
	if ok, err := raftmeta.RequestRecorded(c.Meta(lagger), testScope, id); err != nil || !ok {
		t.Fatalf("%s lacks the request after the snapshot install: %v %v", lagger, ok, err)
	}
	c.Crash(leader)
	if _, err := c.Leader(20*time.Second, c.Running()...); err != nil {
		t.Fatal(err)
	}
	again, err := c.Meta(lagger).CommitBundle(sent(ctx, id, "commit"), model.Bundle{Context: d, Repo: "r", Message: "m"}, nil)
	if err != nil || again.ID != first.ID {
		t.Fatalf("resend after the leader kill: %+v %v, want %s", again, err, first.ID)
	}
	c.Restart(leader)
	for _, n := range c.IDs() {
		c.Stop(n)
	}
	for _, n := range c.IDs() {
		c.Restart(n)
	}
	if _, err := c.Leader(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	again, err = c.Meta(lagger).CommitBundle(sent(ctx, id, "commit"), model.Bundle{Context: d, Repo: "r", Message: "m"}, nil)
	if err != nil || again.ID != first.ID {
		t.Fatalf("resend after restarting every node: %+v %v, want %s", again, err, first.ID)
	}
	if bs, err := c.Meta(lagger).ListBundles(ctx, d, "r"); err != nil || len(bs) != 1 {
		t.Fatalf("bundles: %d %v, want 1", len(bs), err)
	}
}
