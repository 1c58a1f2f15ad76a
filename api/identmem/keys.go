package identmem

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/datamon-io/datamon/model"
)

// CreateKey stores k: its user must exist, its ID be new, its secret set.
func (s *Store) CreateKey(_ context.Context, k model.AccessKey) (model.AccessKey, error) {
	if k.ID == "" || k.Secret == "" {
		return model.AccessKey{}, fmt.Errorf("identmem: %w: a key needs an ID and a secret", model.ErrInvalid)
	}
	for scope, p := range k.Grants {
		if err := model.ValidateGrant(model.Grant{Scope: scope, Permission: p}); err != nil {
			return model.AccessKey{}, fmt.Errorf("identmem: key %q: %w", k.ID, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[k.User]; !ok {
		return model.AccessKey{}, fmt.Errorf("identmem: user %q: %w", k.User, model.ErrNotFound)
	}
	if _, ok := s.keys[k.ID]; ok {
		return model.AccessKey{}, fmt.Errorf("identmem: key %q: %w", k.ID, model.ErrExists)
	}
	k = clone(k)
	k.Created, k.OldSecret, k.OldSecretUntil = s.now().UTC(), "", time.Time{}
	s.keys[k.ID] = k
	return public(k), nil
}

func (s *Store) key(id string) (model.AccessKey, error) {
	k, ok := s.keys[id]
	if !ok {
		return model.AccessKey{}, fmt.Errorf("identmem: key %q: %w", id, model.ErrNotFound)
	}
	return k, nil
}

// GetKey returns the key without its secrets.
func (s *Store) GetKey(_ context.Context, id string) (model.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key(id)
	return public(k), err
}

// GetAccessKey is the authentication lookup: the key with its secret, and
// its previous secret while the rotation grace lasts.
func (s *Store) GetAccessKey(_ context.Context, id string) (model.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key(id)
	if err != nil {
		return k, err
	}
	k = clone(k)
	if !s.now().Before(k.OldSecretUntil) {
		k.OldSecret = ""
	}
	return k, nil
}

// ListKeys lists the keys (of user, when not "") by ID, without secrets.
func (s *Store) ListKeys(_ context.Context, user string) ([]model.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[user]; user != "" && !ok {
		return nil, fmt.Errorf("identmem: user %q: %w", user, model.ErrNotFound)
	}
	out := []model.AccessKey{}
	for _, id := range slices.Sorted(maps.Keys(s.keys)) {
		if k := s.keys[id]; user == "" || k.User == user {
			out = append(out, public(k))
		}
	}
	return out, nil
}

// DeleteKey deletes the key.
func (s *Store) DeleteKey(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.key(id); err != nil {
		return err
	}
	delete(s.keys, id)
	return nil
}

// RotateKey makes newSecret the key's secret; the current one stays valid
// for grace (0: not at all). An older secret still in grace is dropped.
func (s *Store) RotateKey(_ context.Context, id, newSecret string, grace time.Duration) (model.AccessKey, error) {
	if newSecret == "" || grace < 0 || grace > model.MaxRotationGrace {
		return model.AccessKey{}, fmt.Errorf("identmem: %w: rotate needs a new secret and a grace of 0 to %v", model.ErrInvalid, model.MaxRotationGrace)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key(id)
	if err != nil {
		return k, err
	}
	k.OldSecret, k.OldSecretUntil = "", time.Time{}
	if grace > 0 {
		k.OldSecret, k.OldSecretUntil = k.Secret, s.now().Add(grace).UTC()
	}
	k.Secret = newSecret
	s.keys[id] = k
	return public(k), nil
}

// AddGrant sets the key's permission on scope.
func (s *Store) AddGrant(_ context.Context, keyID, scope string, p model.Permission) (model.AccessKey, error) {
	if err := model.ValidateGrant(model.Grant{Scope: scope, Permission: p}); err != nil {
		return model.AccessKey{}, fmt.Errorf("identmem: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key(keyID)
	if err != nil {
		return k, err
	}
	k = clone(k)
	if k.Grants == nil {
		k.Grants = map[string]model.Permission{}
	}
	k.Grants[scope] = p
	s.keys[keyID] = k
	return public(k), nil
}

// RemoveGrant drops the key's grant on scope (model.ErrNotFound if none).
func (s *Store) RemoveGrant(_ context.Context, keyID, scope string) (model.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key(keyID)
	if err != nil {
		return k, err
	}
	if _, ok := k.Grants[scope]; !ok {
		return model.AccessKey{}, fmt.Errorf("identmem: key %q has no grant on %q: %w", keyID, scope, model.ErrNotFound)
	}
	k = clone(k)
	delete(k.Grants, scope)
	s.keys[keyID] = k
	return public(k), nil
}
