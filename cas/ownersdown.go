package cas

import (
	"fmt"
	"slices"
	"strings"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
)

// OwnersDownError: a write was refused before any shard was sent because
// too few of the chunk's shard owners are alive to make K+1 (K when M = 0)
// shards durable. Waiting cannot help until a node returns, so the caller
// should not retry at once. Its text is written for people: which nodes,
// why, what to do. It unwraps to model.ErrNodesDown and
// ErrInsufficientShards.
type OwnersDownError struct {
	Down   []layout.NodeID // owners not alive, sorted
	Policy layout.Policy
	Up     int // owners alive
	Need   int // shards a write needs durable
}

func (e *OwnersDownError) Error() string {
	ids := make([]string, len(e.Down))
	for i, n := range e.Down {
		ids[i] = string(n)
	}
	nodes, verb, them := "node "+ids[0], "is", "it"
	if len(ids) > 1 {
		nodes, verb, them = "nodes "+strings.Join(ids, ", "), "are", "them"
	}
	return fmt.Sprintf("cannot write: %s %s down, and with erasure coding %s a write must reach %d shard owners "+
		"(k+1) but only %d %s up; nothing was stored. Start %s again (writes resume as soon as %s %s back), "+
		"or, if %s gone for good, remove %s (`datamon cluster remove-node ID`) so that writes go to the nodes that are up; "+
		"`datamon cluster durability` shows node health",
		nodes, verb, e.Policy, e.Need, e.Up, plural(e.Up), nodes, them, verb, nodes+" "+verb, them)
}

func plural(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// Unwrap lets errors.Is find model.ErrNodesDown and ErrInsufficientShards.
func (e *OwnersDownError) Unwrap() []error {
	return []error{model.ErrNodesDown, ErrInsufficientShards}
}

// PlainMessage is the error text without wrapping context (the API sends it
// as the error message).
func (e *OwnersDownError) PlainMessage() string { return e.Error() }

// checkOwnersAlive returns an *OwnersDownError when fewer than need of
// owners are alive (distinct owners count once per shard they own).
func (s *Service) checkOwnersAlive(p layout.Policy, owners []layout.NodeID, need int) error {
	up := 0
	var down []layout.NodeID
	for _, o := range owners {
		if s.topo.Alive(o) {
			up++
		} else if !slices.Contains(down, o) {
			down = append(down, o)
		}
	}
	if up >= need {
		return nil
	}
	slices.Sort(down)
	return &OwnersDownError{Down: down, Policy: p, Up: up, Need: need}
}
