package memback

import (
	"context"
	"fmt"
	"sync"

	"github.com/datamon-io/datamon/gateway"
)

// Keys is an in-memory gateway.Keys.
type Keys struct {
	mu   sync.Mutex
	keys map[string]keyEntry
}

type keyEntry struct {
	secret string
	id     gateway.Identity
}

// NewKeys returns an empty key store.
func NewKeys() *Keys { return &Keys{keys: map[string]keyEntry{}} }

// Add registers an access key.
func (k *Keys) Add(accessKey, secret string, id gateway.Identity) {
	k.mu.Lock()
	defer k.mu.Unlock()
	id.AccessKey = accessKey
	k.keys[accessKey] = keyEntry{secret: secret, id: id}
}

// LookupKey implements gateway.Keys.
func (k *Keys) LookupKey(ctx context.Context, accessKey string) (string, gateway.Identity, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.keys[accessKey]
	if !ok {
		return "", gateway.Identity{}, fmt.Errorf("memback: key %q: %w", accessKey, gateway.ErrAccessDenied)
	}
	return e.secret, e.id, nil
}
