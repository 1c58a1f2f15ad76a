package raftmeta_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// A cluster keeps an odd voter count: 6 nodes bootstrapping together (as
// `cluster local --nodes 6` starts them, bootstrap-expect 6) form 5 voters
// and 1 non-voter, not 6 voters; removing a voter promotes the non-voter
// (5 again); removing another leaves 4 servers: 3 voters and 1 non-voter.
// With the default target of 3, 4 nodes form 3 voters and 1 non-voter.
func TestVoterCountStaysOdd(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	want := func(c *raftmetatest.Cluster, voters, nonVoters int) {
		t.Helper()
		err := raftmetatest.WaitFor(30*time.Second, func() error {
			st, err := c.Meta(leaderOf(t, c)).Status(ctx)
			if err != nil {
				return err
			}
			if len(st.Voters) != voters || len(st.NonVoters) != nonVoters {
				return fmt.Errorf("voters %v non-voters %v; want %d voters, %d non-voters", st.Voters, st.NonVoters, voters, nonVoters)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := raftmetatest.New(t, 6, raftmetatest.Options{Sites: []string{"a", "b", "c"}, Voters: 5})
	waitReady(t, c)
	want(c, 5, 1)
	for _, left := range []int{5, 3} {
		leader := leaderOf(t, c)
		st, err := c.Meta(leader).Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(st.Voters, func(v string) bool { return v != leader })
		victim := st.Voters[i]
		if err := c.Meta(leader).RemoveNode(ctx, victim); err != nil {
			t.Fatalf("remove voter %s: %v", victim, err)
		}
		c.Stop(victim)
		want(c, left, len(c.Running())-left)
	}

	c4 := raftmetatest.New(t, 4, raftmetatest.Options{Sites: []string{"a", "b"}})
	waitReady(t, c4)
	want(c4, 3, 1)
}
