package nemesis

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Nemesis is one kind of fault.
type Nemesis interface {
	Name() string
	// Invoke starts the fault (choosing targets with its Picker).
	Invoke(ctx context.Context) error
	// Heal ends every fault this nemesis started; it is safe to call when
	// nothing is active and must be idempotent.
	Heal(ctx context.Context) error
	// Log returns what was done when.
	Log() []Event
}

// Event is one entry of a nemesis log.
type Event struct {
	Time    time.Time `json:"time"`
	Nemesis string    `json:"nemesis"`
	Action  string    `json:"action"` // "invoke" or "heal"
	Targets []string  `json:"targets,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Err     string    `json:"err,omitempty"`
}

// journal is embedded by every nemesis: a name, a logger, a seeded rng and
// the event log.
type journal struct {
	name string
	log  *slog.Logger
	mu   sync.Mutex
	rng  *rand.Rand
	evs  []Event
}

func newJournal(name string, seed uint64, log *slog.Logger) journal {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return journal{name: name, log: log, rng: rand.New(rand.NewPCG(seed, seed+1))}
}

func (j *journal) Name() string { return j.name }

func (j *journal) Log() []Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Event(nil), j.evs...)
}

func (j *journal) record(action string, targets []string, detail string, err error) {
	e := Event{Time: time.Now(), Nemesis: j.name, Action: action, Targets: targets, Detail: detail}
	if err != nil {
		e.Err = err.Error()
	}
	j.mu.Lock()
	j.evs = append(j.evs, e)
	j.mu.Unlock()
	j.log.Info("nemesis", "name", j.name, "action", action, "targets", targets, "detail", detail, "err", e.Err)
}

// Picker chooses target node IDs for one invocation (e.g. "the leader").
type Picker func(ctx context.Context, rng *rand.Rand) ([]string, error)

// PickRandom picks k distinct IDs out of ids.
func PickRandom(ids []string, k int) Picker {
	return func(_ context.Context, rng *rand.Rand) ([]string, error) {
		p := append([]string(nil), ids...)
		rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
		return p[:min(k, len(p))], nil
	}
}

// PickFixed always picks ids.
func PickFixed(ids ...string) Picker {
	return func(context.Context, *rand.Rand) ([]string, error) { return ids, nil }
}

// PickFunc adapts a function returning one ID (e.g. the current leader).
func PickFunc(f func(ctx context.Context) (string, error)) Picker {
	return func(ctx context.Context, _ *rand.Rand) ([]string, error) {
		id, err := f(ctx)
		if err != nil {
			return nil, err
		}
		return []string{id}, nil
	}
}
