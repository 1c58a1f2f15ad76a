package raftmeta

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// opSwapManifests replaces the manifest of existing bundles, each only if
// it still has the expected old root (value is part of the log format).
// It is the one mutation of a committed bundle (`repo delete files`).
const opSwapManifests = "swap_manifests" // Swap

// MaxSwaps bounds the bundles of one SwapManifests call (a command stays
// far below MaxCommandSize: a swap is about 250 bytes of JSON).
const MaxSwaps = 512

// swapCmd is the payload of opSwapManifests.
type swapCmd struct {
	Context string               `json:"context"`
	Repo    string               `json:"repo"`
	Swaps   []model.ManifestSwap `json:"swaps"`
}

// SwapManifests applies swaps to bundles of context/repo in one command,
// all or nothing: if any bundle is gone (model.ErrNotFound) or no longer
// has its OldRoot (model.ErrPrecondition: rewritten concurrently), no
// bundle changes. Bundle IDs, messages, parents and timestamps stay; labels
// keep pointing at the same IDs. The old manifest pages and the chunks only
// they referenced are left to GC. It returns the updated bundles.
func (m *Meta) SwapManifests(ctx context.Context, context, repo string, swaps []model.ManifestSwap) ([]model.Bundle, error) {
	c := swapCmd{Context: context, Repo: repo, Swaps: swaps}
	if err := validateSwap(c); err != nil {
		return nil, err
	}
	return decodeResult[[]model.Bundle](m.submit(ctx, &command{Op: opSwapManifests, Swap: &c}))
}

func validateSwap(c swapCmd) error {
	if err := validateRef(c.Context, c.Repo); err != nil {
		return err
	}
	if len(c.Swaps) == 0 || len(c.Swaps) > MaxSwaps {
		return fmt.Errorf("%w: %d manifest swaps (1..%d)", model.ErrInvalid, len(c.Swaps), MaxSwaps)
	}
	seen := make(map[string]bool, len(c.Swaps))
	for _, s := range c.Swaps {
		switch {
		case s.BundleID == "" || len(s.BundleID) > 256:
			return fmt.Errorf("%w: manifest swap without a bundle ID", model.ErrInvalid)
		case seen[s.BundleID]:
			return fmt.Errorf("%w: bundle %q swapped twice", model.ErrInvalid, s.BundleID)
		case s.NewRoot == (chunk.ID{}):
			return fmt.Errorf("%w: bundle %q: empty new manifest root", model.ErrInvalid, s.BundleID)
		}
		seen[s.BundleID] = true
	}
	return nil
}

// swapManifests applies opSwapManifests; every check happens before the
// first write, so a failure leaves the batch (which is then dropped) clean.
func (tx *txn) swapManifests(c swapCmd) ([]byte, error) {
	if err := validateSwap(c); err != nil {
		return nil, err
	}
	if err := tx.requireRepo(c.Context, c.Repo); err != nil {
		return nil, err
	}
	out := make([]model.Bundle, 0, len(c.Swaps))
	for _, s := range c.Swaps {
		var b model.Bundle
		found, err := getJSON(tx.b, bundleKey(c.Context, c.Repo, s.BundleID), &b)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("%w: bundle %q in %s/%s", model.ErrNotFound, s.BundleID, c.Context, c.Repo)
		}
		if b.ManifestRoot != s.OldRoot {
			return nil, fmt.Errorf("%w: bundle %q has manifest %s, not %s: it was rewritten concurrently",
				model.ErrPrecondition, s.BundleID, b.ManifestRoot, s.OldRoot)
		}
		b.ManifestRoot, b.FileCount, b.ByteCount = s.NewRoot, s.FileCount, s.ByteCount
		out = append(out, b)
	}
	for _, b := range out {
		tx.putJSON(bundleKey(c.Context, c.Repo, b.ID), b)
	}
	return mustJSON(out), nil
}
