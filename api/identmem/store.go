package identmem

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("identmem: invalid config")

// Config configures a Store.
type Config struct {
	// Now is the clock of Created and of rotation grace (default time.Now).
	Now func() time.Time
	// RootKey, when set, is installed as the store's first key (it needs an
	// ID and a secret), like raftmeta's bootstrap root key.
	RootKey *model.AccessKey
}

// Validate checks c.
func (c Config) Validate() error {
	if c.RootKey != nil && (c.RootKey.ID == "" || c.RootKey.Secret == "") {
		return fmt.Errorf("%w: RootKey needs an ID and a secret", ErrConfig)
	}
	return nil
}

// Store holds users and keys in memory; safe for concurrent use.
type Store struct {
	now   func() time.Time
	mu    sync.Mutex
	users map[string]model.User
	keys  map[string]model.AccessKey
}

var _ api.Identities = (*Store)(nil)

// New returns an empty Store (with cfg.RootKey, if set).
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Store{now: cfg.Now, users: map[string]model.User{}, keys: map[string]model.AccessKey{}}
	if cfg.RootKey != nil {
		s.keys[cfg.RootKey.ID] = clone(*cfg.RootKey)
	}
	return s, nil
}

func clone(k model.AccessKey) model.AccessKey {
	k.Grants = maps.Clone(k.Grants)
	return k
}

// public is k as reads show it: no secrets.
func public(k model.AccessKey) model.AccessKey {
	k = clone(k)
	k.Secret, k.OldSecret = "", ""
	return k
}

func (s *Store) withKeys(u model.User) model.User {
	u.Keys = nil
	for id, k := range s.keys {
		if k.User == u.Name {
			u.Keys = append(u.Keys, id)
		}
	}
	slices.Sort(u.Keys)
	return u
}

// CreateUser stores u (model.ErrExists if the name is taken).
func (s *Store) CreateUser(_ context.Context, u model.User) (model.User, error) {
	if err := model.ValidateUser(u); err != nil {
		return u, fmt.Errorf("identmem: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.Name]; ok {
		return u, fmt.Errorf("identmem: user %q: %w", u.Name, model.ErrExists)
	}
	u.Created, u.Keys = s.now().UTC(), nil
	s.users[u.Name] = u
	return u, nil
}

// GetUser returns the user with its key IDs.
func (s *Store) GetUser(_ context.Context, name string) (model.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return model.User{}, fmt.Errorf("identmem: user %q: %w", name, model.ErrNotFound)
	}
	return s.withKeys(u), nil
}

// ListUsers lists the users by name.
func (s *Store) ListUsers(context.Context) ([]model.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]model.User, 0, len(s.users))
	for _, name := range slices.Sorted(maps.Keys(s.users)) {
		out = append(out, s.withKeys(s.users[name]))
	}
	return out, nil
}

// DeleteUser deletes the user and its keys.
func (s *Store) DeleteUser(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; !ok {
		return fmt.Errorf("identmem: user %q: %w", name, model.ErrNotFound)
	}
	delete(s.users, name)
	for id, k := range s.keys {
		if k.User == name {
			delete(s.keys, id)
		}
	}
	return nil
}
