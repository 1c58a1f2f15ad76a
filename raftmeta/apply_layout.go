package raftmeta

import (
	"encoding/json"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
)

// init creates what a fresh cluster needs, each piece only if absent:
// the default context, layout version 1 and the root access key.
func (tx *txn) init(c *command) ([]byte, error) {
	ok, err := tx.exists(contextKey(model.DefaultContext))
	if err != nil {
		return nil, err
	}
	if !ok {
		tx.putJSON(contextKey(model.DefaultContext), model.Context{
			Name: model.DefaultContext, Description: "default context", Timestamp: tx.now})
	}
	cur, found, err := currentLayout(tx.b)
	if err != nil {
		return nil, err
	}
	if !found {
		p := layout.DefaultPolicy(len(c.Nodes))
		if c.Policy != nil {
			p = *c.Policy
		}
		l, err := layout.New(1, p, c.Nodes)
		if err != nil {
			return nil, fmt.Errorf("%w: initial layout: %w", model.ErrInvalid, err)
		}
		tx.putJSON(keyLayoutCur, l)
		tx.layoutChanged = true
		cur = l
	}
	if c.Key != nil {
		if err := validateAccessKey(*c.Key); err != nil {
			return nil, err
		}
		ok, err := tx.exists(accessKeyKey(c.Key.ID))
		if err != nil {
			return nil, err
		}
		if !ok {
			k := *c.Key
			k.SecretGen, k.OldSecretGen = tx.index, 0 // authstamp.go
			tx.putJSON(accessKeyKey(k.ID), k)
		}
	}
	js, _ := json.Marshal(cur)
	return js, nil
}

// replaceLayout makes next current and keeps cur as an older, unretired version.
func (tx *txn) replaceLayout(cur, next layout.Layout) []byte {
	tx.putJSON(layoutVersionKey(cur.Version), cur)
	tx.layoutChanged = true
	return tx.putJSON(keyLayoutCur, next)
}

func (tx *txn) mustLayout() (layout.Layout, error) {
	cur, found, err := currentLayout(tx.b)
	if err != nil {
		return layout.Layout{}, err
	}
	if !found {
		return layout.Layout{}, fmt.Errorf("%w: no layout yet (cluster not initialised)", model.ErrPrecondition)
	}
	return cur, nil
}

// layoutAdd adds the nodes that are neither in the layout nor removed, as one
// new version. Nothing new: no new version.
func (tx *txn) layoutAdd(nodes []layout.Node) ([]byte, error) {
	cur, err := tx.mustLayout()
	if err != nil {
		return nil, err
	}
	next := append([]layout.Node(nil), cur.Nodes...)
	added := 0
	for _, n := range nodes {
		if _, ok := cur.Node(n.ID); ok {
			continue
		}
		if gone, err := tx.exists(removedKey(string(n.ID))); err != nil || gone {
			if err != nil {
				return nil, err
			}
			continue
		}
		next = append(next, n)
		added++
	}
	if added == 0 {
		return json.Marshal(cur)
	}
	l, err := cur.Successor(next)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", model.ErrInvalid, err)
	}
	return tx.replaceLayout(cur, l), nil
}

// layoutRemove records id as removed (the reconcile loop will not re-add it)
// and drops it from the layout if present.
func (tx *txn) layoutRemove(id string) ([]byte, error) {
	_ = tx.b.Set(removedKey(id), []byte{1}, nil)
	cur, found, err := currentLayout(tx.b)
	if err != nil {
		return nil, err
	}
	if !found {
		return json.Marshal(false)
	}
	next, err := cur.Without(layout.NodeID(id))
	if err != nil {
		return json.Marshal(false) // not a storage node: raft-only removal
	}
	tx.replaceLayout(cur, next)
	return json.Marshal(true)
}

func (tx *txn) setPolicy(p layout.Policy) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", model.ErrInvalid, err)
	}
	cur, err := tx.mustLayout()
	if err != nil {
		return nil, err
	}
	if cur.Policy == p {
		return json.Marshal(cur)
	}
	next := cur
	next.Version, next.Policy = cur.Version+1, p
	return tx.replaceLayout(cur, next), nil
}

// retireLayouts forgets older layout versions <= upTo (never the current one).
func (tx *txn) retireLayouts(upTo uint64) ([]byte, error) {
	_ = tx.b.DeleteRange(prefixLayout, layoutVersionKey(upTo+1), nil)
	if upTo == ^uint64(0) {
		_ = tx.b.DeleteRange(prefixLayout, prefixEnd(prefixLayout), nil)
	}
	tx.layoutChanged = true
	return nil, nil
}

func currentLayout(r pebble.Reader) (layout.Layout, bool, error) {
	var l layout.Layout
	found, err := getJSON(r, keyLayoutCur, &l)
	return l, found, err
}

// readLayouts returns the current layout and the unretired older versions,
// newest first; empty before the cluster is initialised.
func readLayouts(r pebble.Reader) ([]layout.Layout, error) {
	cur, found, err := currentLayout(r)
	if err != nil || !found {
		return nil, err
	}
	out := []layout.Layout{cur}
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefixLayout, UpperBound: prefixEnd(prefixLayout)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	for ok := it.Last(); ok; ok = it.Prev() {
		var l layout.Layout
		if err := json.Unmarshal(it.Value(), &l); err != nil {
			return nil, fmt.Errorf("raftmeta: decode layout: %w", err)
		}
		out = append(out, l)
	}
	return out, it.Error()
}
