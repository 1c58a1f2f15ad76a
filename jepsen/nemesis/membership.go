package nemesis

import (
	"context"
	"errors"
	"log/slog"
)

// MembershipConfig holds the product callbacks the lead wires (add / remove
// / drain a node, voter changes). Nil callbacks are skipped.
type MembershipConfig struct {
	Remove  func(ctx context.Context, id string) error
	Add     func(ctx context.Context, id string) error // undoes Remove
	Drain   func(ctx context.Context, id string) error
	Undrain func(ctx context.Context, id string) error // undoes Drain
	Pick    Picker
	Seed    uint64
	Logger  *slog.Logger
}

type membershipNemesis struct {
	journal
	cfg     MembershipConfig
	removed []string
	drained []string
}

// NewMembership returns a nemesis that, on Invoke, removes or drains the
// picked node (chosen at random among the wired callbacks) and, on Heal,
// adds back / undrains everything it changed.
func NewMembership(cfg MembershipConfig) (Nemesis, error) {
	if cfg.Pick == nil {
		return nil, errors.New("nemesis membership: Pick required")
	}
	if (cfg.Remove == nil || cfg.Add == nil) && (cfg.Drain == nil || cfg.Undrain == nil) {
		return nil, errors.New("nemesis membership: wire Remove+Add and/or Drain+Undrain")
	}
	return &membershipNemesis{journal: newJournal("membership", cfg.Seed, cfg.Logger), cfg: cfg}, nil
}

func (n *membershipNemesis) Invoke(ctx context.Context) error {
	ids, err := n.cfg.Pick(ctx, n.rng)
	if err != nil {
		return err
	}
	canRemove := n.cfg.Remove != nil && n.cfg.Add != nil
	canDrain := n.cfg.Drain != nil && n.cfg.Undrain != nil
	for _, id := range ids {
		if canRemove && (!canDrain || n.rng.IntN(2) == 0) {
			err = n.cfg.Remove(ctx, id)
			n.record("invoke", []string{id}, "remove", err)
			if err == nil {
				n.removed = append(n.removed, id)
			}
		} else {
			err = n.cfg.Drain(ctx, id)
			n.record("invoke", []string{id}, "drain", err)
			if err == nil {
				n.drained = append(n.drained, id)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (n *membershipNemesis) Heal(ctx context.Context) error {
	var errs []error
	for _, id := range n.removed {
		err := n.cfg.Add(ctx, id)
		n.record("heal", []string{id}, "add", err)
		errs = append(errs, err)
	}
	for _, id := range n.drained {
		err := n.cfg.Undrain(ctx, id)
		n.record("heal", []string{id}, "undrain", err)
		errs = append(errs, err)
	}
	n.removed, n.drained = nil, nil
	return errors.Join(errs...)
}
