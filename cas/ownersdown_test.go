package cas

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
)

// A 3-node 2+1 cluster with a node down cannot make K+1 = 3 shards durable:
// Put and PutBatch fail at once, before sending any shard, with an error
// naming the down node and what to do (model.ErrNodesDown).
func TestPutOwnersDownFailsFast(t *testing.T) {
	c := newCluster(t, 3, 3, layout.Policy{K: 2, M: 1})
	s := newService(t, c, testConfig())
	c.setDown(true, "n02")
	r := rand.New(rand.NewPCG(24, 4))
	check := func(what string, err error) {
		t.Helper()
		var od *OwnersDownError
		if !errors.As(err, &od) || !errors.Is(err, model.ErrNodesDown) || !errors.Is(err, ErrInsufficientShards) {
			t.Fatalf("%s with n02 down: %v; want an OwnersDownError", what, err)
		}
		msg := od.Error()
		for _, want := range []string{"node n02 is down", "2+1", "must reach 3", "only 2 are up", "Start node n02 again", "remove-node"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: message %q lacks %q", what, msg, want)
			}
		}
	}
	_, err := s.Put(context.Background(), randBytes(r, 4096))
	check("Put", err)
	_, err = s.PutBatch(context.Background(), [][]byte{randBytes(r, 4096), randBytes(r, 4096)})
	check("PutBatch", err)
	for _, id := range c.order {
		if n := c.node(id); n.puts.Load() != 0 || n.batches.Load() != 0 {
			t.Fatalf("node %s got %d shard writes, %d batches: the write was not refused before sending", id, n.puts.Load(), n.batches.Load())
		}
	}
	if s.Pending() != 0 {
		t.Fatalf("%d repairs queued for a refused write", s.Pending())
	}
	c.setDown(false, "n02")
	if _, err := s.Put(context.Background(), randBytes(r, 4096)); err != nil {
		t.Fatalf("Put with every node back: %v", err)
	}
}
