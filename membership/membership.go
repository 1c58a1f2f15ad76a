package membership

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// defaultUpdateTimeout bounds UpdateMeta when ctx has no deadline.
const defaultUpdateTimeout = 5 * time.Second

// Membership is this node's handle on the gossip cluster.
type Membership struct {
	cfg  Config
	log  *slog.Logger
	ml   *memberlist.Memberlist
	view *view

	mu     sync.Mutex // serializes UpdateMeta/Leave/Close
	closed bool
}

// Start creates the local memberlist node and, if cfg.Join is set, joins the
// cluster, retrying with exponential backoff up to cfg.JoinAttempts times
// while peers are not up yet. It fails with ErrJoin if no peer was reached.
func Start(ctx context.Context, cfg Config) (*Membership, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("node", cfg.Meta.ID)
	mc, err := cfg.memberlistConfig()
	if err != nil {
		return nil, err
	}
	v, err := newView(cfg.Meta, cfg.ForgetAfter, logger)
	if err != nil {
		return nil, err
	}
	mc.Delegate = v
	mc.Events = v
	mc.Logger = newStdLogger(logger)
	ml, err := memberlist.Create(mc)
	if err != nil {
		return nil, fmt.Errorf("membership: start %s on %s:%d: %w", cfg.Meta.ID, cfg.BindAddr, cfg.BindPort, err)
	}
	m := &Membership{cfg: cfg, log: logger, ml: ml, view: v}
	if len(cfg.Join) > 0 {
		if err := m.joinRetry(ctx, cfg.Join); err != nil {
			_ = m.Close()
			return nil, err
		}
	}
	return m, nil
}

func (m *Membership) joinRetry(ctx context.Context, addrs []string) error {
	attempts := max(m.cfg.JoinAttempts, 1)
	wait := m.cfg.JoinBackoff
	if wait <= 0 {
		wait = 200 * time.Millisecond
	}
	maxWait := m.cfg.JoinMaxBackoff
	if maxWait <= 0 {
		maxWait = 5 * time.Second
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%w: %v: %w", ErrJoin, addrs, ctx.Err())
			case <-t.C:
			}
			wait = min(2*wait, maxWait)
		}
		n, err := m.Join(addrs)
		if err == nil && n > 0 {
			return nil
		}
		last = err
		m.log.Info("join attempt failed", "attempt", i+1, "of", attempts, "peers", addrs, "err", err)
	}
	if last != nil && !errors.Is(last, ErrJoin) {
		last = fmt.Errorf("%w: %w", ErrJoin, last)
	}
	return last
}

// Join contacts the given members once and returns how many were reached.
// It fails with ErrJoin when none was (for example, wrong cluster secret).
func (m *Membership) Join(addrs []string) (int, error) {
	if m.isClosed() {
		return 0, ErrClosed
	}
	n, err := m.ml.Join(addrs)
	if err != nil && n == 0 {
		return 0, fmt.Errorf("%w: %v: %w", ErrJoin, addrs, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: %v: no peer reached", ErrJoin, addrs)
	}
	return n, nil
}

// Members returns every node memberlist knows about (including this one and
// dead or left nodes it still remembers), sorted by ID.
func (m *Membership) Members() []Member { return m.view.snapshot() }

// Local returns the meta this node currently publishes.
func (m *Membership) Local() Meta { return m.view.localMeta() }

// Addr is this node's advertised gossip address (host:port), for others' Join.
func (m *Membership) Addr() string {
	n := m.ml.LocalNode()
	return net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
}

// NumAlive is the number of members memberlist considers alive (incl. suspect).
func (m *Membership) NumAlive() int { return m.ml.NumMembers() }

// Subscribe returns a channel of membership events and a function that
// cancels the subscription (and closes the channel). Events are dropped for
// a subscriber that does not keep up; see Dropped.
func (m *Membership) Subscribe() (<-chan Event, func()) { return m.view.out.subscribe() }

// Dropped reports how many events were dropped because a subscriber was full.
func (m *Membership) Dropped() uint64 { return m.view.out.droppedCount() }

// UpdateMeta publishes new meta for this node and waits (bounded by ctx, or
// 5 s without a deadline) for the update to be broadcast. The ID cannot change.
func (m *Membership) UpdateMeta(ctx context.Context, meta Meta) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if meta.ID != m.cfg.Meta.ID {
		return fmt.Errorf("%w: cannot change node id %q to %q", ErrBadMeta, m.cfg.Meta.ID, meta.ID)
	}
	if err := m.view.setLocal(meta, false); err != nil {
		return err
	}
	if err := m.ml.UpdateNode(timeoutFrom(ctx)); err != nil {
		return fmt.Errorf("membership: update meta of %s: %w", meta.ID, err)
	}
	return ctx.Err()
}

// Leave announces a graceful departure (peers report this node as Left) and
// waits up to timeout for it to be gossiped. Close must still be called.
func (m *Membership) Leave(timeout time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if err := m.view.setLocal(m.view.localMeta(), true); err == nil {
		if err := m.ml.UpdateNode(timeout / 2); err != nil {
			m.log.Warn("leave: broadcasting leaving flag", "err", err)
		}
	}
	if err := m.ml.Leave(timeout); err != nil {
		return fmt.Errorf("membership: leave %s: %w", m.cfg.Meta.ID, err)
	}
	m.view.markLocalLeft()
	return nil
}

// Close stops gossip without announcing a departure (peers will detect the
// failure) and closes all subscriber channels. It is idempotent.
func (m *Membership) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	err := m.ml.Shutdown()
	m.view.out.close()
	if err != nil {
		return fmt.Errorf("membership: shutdown %s: %w", m.cfg.Meta.ID, err)
	}
	return nil
}

func (m *Membership) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

func timeoutFrom(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d > 0 {
			return d
		}
		return time.Millisecond
	}
	return defaultUpdateTimeout
}
