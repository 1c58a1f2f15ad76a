package raftmeta

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// submit runs cmd through the log on the leader (forwarding if needed) and
// returns the FSM's result data. cmd gets a fresh request ID so retries
// after ambiguous failures apply at most once.
func (m *Meta) submit(ctx context.Context, cmd *command) ([]byte, error) {
	if err := m.serving(); err != nil {
		return nil, err
	}
	cmd.ReqID = newReqID()
	stampRequest(ctx, cmd)
	auth, err := stampFrom(ctx) // on behalf of an access key (authstamp.go)
	if err != nil {
		return nil, err
	}
	cmd.Auth = auth
	payload, err := encodeCommand(cmd) // size check before anything reaches the log
	if err != nil {
		return nil, err
	}
	rep, err := m.leaderCall(ctx, kindApply, payload, func(ctx context.Context) (reply, error) {
		data, err := m.applyLocal(ctx, cmd)
		return reply{Data: data}, err
	})
	return rep.Data, err
}

// applyLocal stamps the time and applies cmd on this node, which must lead.
func (m *Meta) applyLocal(ctx context.Context, cmd *command) ([]byte, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	if m.raft.State() != raft.Leader {
		return nil, ErrNotLeader
	}
	c := *cmd
	c.Time = m.cfg.Clock().UnixNano()
	if c.Req != nil {
		r := *c.Req
		r.Keep, r.Max = m.cfg.RequestMaxAge.Milliseconds(), m.cfg.RequestWindow
		c.Req = &r
	}
	data, err := encodeCommand(&c)
	if err != nil {
		return nil, err
	}
	f := m.raft.Apply(data, timeoutFor(ctx, m.cfg.ApplyTimeout))
	if err := waitFuture(ctx, f); err != nil {
		return nil, fmt.Errorf("raftmeta: apply %s: %w", c.Op, err)
	}
	res, ok := f.Response().(*applyResult)
	if !ok {
		return nil, fmt.Errorf("raftmeta: apply %s: unexpected response %T", c.Op, f.Response())
	}
	return res.Data, res.Err
}

func decodeResult[T any](data []byte, err error) (T, error) {
	var v T
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("raftmeta: decode result: %w", err)
	}
	return v, nil
}

// CreateContext creates a context (model.ErrExists if it exists).
func (m *Meta) CreateContext(ctx context.Context, c model.Context) (model.Context, error) {
	if err := model.ValidateContextName(c.Name); err != nil {
		return model.Context{}, err
	}
	return decodeResult[model.Context](m.submit(ctx, &command{Op: opCreateContext, Context: &c}))
}

// CreateRepo creates a repo: model.ErrInvalid, ErrNotFound (context), ErrExists.
func (m *Meta) CreateRepo(ctx context.Context, r model.Repo) (model.Repo, error) {
	if err := model.ValidateRepo(r); err != nil {
		return model.Repo{}, err
	}
	if r.HeadLabel == "" {
		r.HeadLabel = model.DefaultHeadLabel // stored, so `repo get` shows it
	}
	return decodeResult[model.Repo](m.submit(ctx, &command{Op: opCreateRepo, Repo: &r}))
}

// DeleteRepo deletes a repo's metadata: the repo, its bundles, labels and
// label history (chunks are left to GC). model.ErrNotFound if absent.
func (m *Meta) DeleteRepo(ctx context.Context, context, name string) error {
	if err := validateRef(context, name); err != nil {
		return err
	}
	_, err := m.submit(ctx, &command{Op: opDeleteRepo, Ref: &repoRef{Context: context, Name: name}})
	return err
}

// CommitBundle commits a bundle; the leader's FSM assigns its ID (27 chars,
// sorting in commit order) and Timestamp. label, if set, is moved to the new
// bundle in the same command (its BundleID is ignored; IfMatch/IfNotExists apply).
func (m *Meta) CommitBundle(ctx context.Context, b model.Bundle, label *model.LabelSet) (model.Bundle, error) {
	if err := validateRef(b.Context, b.Repo); err != nil {
		return model.Bundle{}, err
	}
	if b.Message == "" {
		return model.Bundle{}, fmt.Errorf("%w: bundle needs a message", model.ErrInvalid)
	}
	b.ID = ""
	if label != nil {
		if err := model.ValidateLabelName(label.Name); err != nil {
			return model.Bundle{}, err
		}
	}
	return decodeResult[model.Bundle](m.submit(ctx, &command{Op: opCommitBundle, Bundle: &b, Label: label}))
}

// SetLabel points a label at a bundle: model.ErrNotFound (repo, bundle),
// ErrPrecondition (IfMatch / IfNotExists), ErrInvalid.
func (m *Meta) SetLabel(ctx context.Context, s model.LabelSet) (model.Label, error) {
	if err := model.ValidateLabelSet(s); err != nil {
		return model.Label{}, err
	}
	return decodeResult[model.Label](m.submit(ctx, &command{Op: opSetLabel, Label: &s}))
}

// PutAccessKey creates or replaces an access key (its secrets are sealed
// before they are submitted; k.User, if set, must exist).
func (m *Meta) PutAccessKey(ctx context.Context, k model.AccessKey) error {
	if err := validateAccessKey(k); err != nil {
		return err
	}
	if err := validatePlainSecret(k.ID, k.Secret); err != nil {
		return err
	}
	k = m.seal.sealKey(k)
	_, err := m.submit(ctx, &command{Op: opPutAccessKey, Key: &k})
	return err
}

// SetPolicy sets the EC policy (a new layout version if it changes).
func (m *Meta) SetPolicy(ctx context.Context, p layout.Policy) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", model.ErrInvalid, err)
	}
	_, err := m.submit(ctx, &command{Op: opSetPolicy, Policy: &p})
	return err
}

// RetireLayouts forgets older layout versions <= upTo (the current one is
// kept); for the rebalancer once every shard has moved.
func (m *Meta) RetireLayouts(ctx context.Context, upTo uint64) error {
	_, err := m.submit(ctx, &command{Op: opRetireLayouts, UpTo: upTo})
	return err
}

// RemoveNode removes a server from the raft configuration and the layout
// (new version) and stops the reconcile loop from re-adding it. Removing an
// already removed node succeeds (idempotent); model.ErrNotFound if the ID
// was never a member.
func (m *Meta) RemoveNode(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty node id", model.ErrInvalid)
	}
	_, err := m.leaderCall(ctx, kindRemoveNode, []byte(id), func(ctx context.Context) (reply, error) {
		return reply{}, m.removeNodeLocal(ctx, id)
	})
	return err
}

func (m *Meta) removeNodeLocal(ctx context.Context, id string) error {
	if m.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	inRaft := false
	cf := m.raft.GetConfiguration()
	if err := waitFuture(ctx, cf); err != nil {
		return fmt.Errorf("raftmeta: remove %s: %w", id, err)
	}
	for _, s := range cf.Configuration().Servers {
		inRaft = inRaft || string(s.ID) == id
	}
	if err := m.termBarrier(ctx, m.raft.CurrentTerm()); err != nil {
		return err
	}
	_, inLayout := m.Layout().Node(layout.NodeID(id))
	if !inRaft && !inLayout {
		// Already removed: a repeated removal (a forwarded request retried
		// after the first attempt applied but its answer was lost) succeeds.
		if gone, err := m.isRemoved(id); err == nil && gone {
			return nil
		}
		return fmt.Errorf("%w: node %q", model.ErrNotFound, id)
	}
	if _, err := m.applyLocal(ctx, &command{Op: opLayoutRemove, NodeID: id, ReqID: newReqID()}); err != nil {
		return fmt.Errorf("raftmeta: remove %s from layout: %w", id, err)
	}
	if inRaft {
		f := m.raft.RemoveServer(raft.ServerID(id), 0, timeoutFor(ctx, m.cfg.ApplyTimeout))
		if err := waitFuture(ctx, f); err != nil {
			return fmt.Errorf("raftmeta: remove %s from raft: %w", id, err)
		}
	}
	m.Kick() // promote a non-voter if a voter left
	return nil
}

func validateRef(context, repo string) error {
	if err := model.ValidateContextName(context); err != nil {
		return err
	}
	return model.ValidateRepoName(repo)
}
