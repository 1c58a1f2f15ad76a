package raftmeta

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
)

// The Identities seam (api.Identities): users, access keys and grants.
// Secrets are sealed here, before a command is encoded, so only ciphertext
// travels to the leader and into the log. Lists and gets blank secrets;
// GetAccessKey (authentication) opens them.

// MinKeySecretLen is the shortest secret CreateKey and RotateKey accept.
const MinKeySecretLen = 16

const maxKeySecretLen = 256

// validatePlainSecret checks a plaintext secret before it is sealed.
func validatePlainSecret(id, s string) error {
	switch {
	case s == "" || len(s) > maxKeySecretLen:
		return fmt.Errorf("%w: access key %q: secret must be 1 to %d bytes", model.ErrInvalid, id, maxKeySecretLen)
	case strings.HasPrefix(s, "dmsec"):
		return fmt.Errorf("%w: access key %q: secret must not start with \"dmsec\" (the sealed format's prefix)", model.ErrInvalid, id)
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f {
			return fmt.Errorf("%w: access key %q: secret has control or space characters", model.ErrInvalid, id)
		}
	}
	return nil
}

func validateNewSecret(id, s string) error {
	if err := validatePlainSecret(id, s); err != nil {
		return err
	}
	if len(s) < MinKeySecretLen {
		return fmt.Errorf("%w: access key %q: secret shorter than %d bytes", model.ErrInvalid, id, MinKeySecretLen)
	}
	return nil
}

// CreateUser creates a user (model.ErrExists, ErrInvalid).
func (m *Meta) CreateUser(ctx context.Context, u model.User) (model.User, error) {
	if err := model.ValidateUser(u); err != nil {
		return model.User{}, err
	}
	u.Keys = nil
	return decodeResult[model.User](m.submit(ctx, &command{Op: opCreateUser, User: &u}))
}

// DeleteUser deletes a user and every key it holds (model.ErrNotFound;
// ErrPrecondition if that would remove the last cluster-admin key).
func (m *Meta) DeleteUser(ctx context.Context, name string) error {
	if err := model.ValidateUserName(name); err != nil {
		return err
	}
	_, err := m.submit(ctx, &command{Op: opDeleteUser, Ident: &identCmd{User: name}})
	return err
}

// CreateKey stores a new key of an existing user. The result carries the
// plaintext secret (shown once); model.ErrExists, ErrNotFound (user), ErrInvalid.
func (m *Meta) CreateKey(ctx context.Context, k model.AccessKey) (model.AccessKey, error) {
	if err := validateAccessKey(k); err != nil {
		return model.AccessKey{}, err
	}
	if err := validateNewSecret(k.ID, k.Secret); err != nil {
		return model.AccessKey{}, err
	}
	if err := model.ValidateUserName(k.User); err != nil {
		return model.AccessKey{}, fmt.Errorf("access key %q: %w", k.ID, err)
	}
	plain := k.Secret
	k.OldSecret, k.OldSecretUntil = "", time.Time{}
	sealed := m.seal.sealKey(k)
	got, err := decodeResult[model.AccessKey](m.submit(ctx, &command{Op: opCreateKey, Key: &sealed}))
	if err != nil {
		return model.AccessKey{}, err
	}
	return m.resultSecret(got, plain)
}

// DeleteKey deletes a key (model.ErrNotFound; ErrPrecondition for the last
// cluster-admin key).
func (m *Meta) DeleteKey(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty access key id", model.ErrInvalid)
	}
	_, err := m.submit(ctx, &command{Op: opDeleteKey, Ident: &identCmd{Key: id}})
	return err
}

// RotateKey replaces the key's secret; the previous one stays valid for
// grace (0: revoked at once; at most model.MaxRotationGrace), measured
// from the leader's stamped time. The result carries the new secret.
func (m *Meta) RotateKey(ctx context.Context, id, newSecret string, grace time.Duration) (model.AccessKey, error) {
	if id == "" {
		return model.AccessKey{}, fmt.Errorf("%w: empty access key id", model.ErrInvalid)
	}
	if err := validateNewSecret(id, newSecret); err != nil {
		return model.AccessKey{}, err
	}
	if grace < 0 || grace > model.MaxRotationGrace {
		return model.AccessKey{}, fmt.Errorf("%w: rotation grace %s: want 0 to %s", model.ErrInvalid, grace, model.MaxRotationGrace)
	}
	c := &identCmd{Key: id, Secret: m.seal.seal(id, newSecret), Grace: grace}
	// A key stored before sealing existed holds a plaintext secret: the
	// FSM keeps the re-sealed value as the old secret instead.
	var cur model.AccessKey
	if found, err := getJSON(m.fsm.db, accessKeyKey(id), &cur); err == nil && found && cur.Secret != "" && !isSealed(cur.Secret) {
		c.Sealed = []sealedSecrets{{Key: id, Secret: m.seal.seal(id, cur.Secret)}}
	}
	got, err := decodeResult[model.AccessKey](m.submit(ctx, &command{Op: opRotateKey, Ident: c}))
	if err != nil {
		return model.AccessKey{}, err
	}
	return m.resultSecret(got, newSecret)
}

// AddGrant sets the key's permission (read, write, admin) on scope.
func (m *Meta) AddGrant(ctx context.Context, keyID, scope string, p model.Permission) (model.AccessKey, error) {
	if err := model.ValidateGrant(model.Grant{Scope: scope, Permission: p}); err != nil {
		return model.AccessKey{}, err
	}
	return m.setGrant(ctx, keyID, scope, p)
}

// RemoveGrant drops the key's grant on scope (model.ErrNotFound if absent).
func (m *Meta) RemoveGrant(ctx context.Context, keyID, scope string) (model.AccessKey, error) {
	if err := model.ValidateScope(scope); err != nil {
		return model.AccessKey{}, err
	}
	return m.setGrant(ctx, keyID, scope, model.PermNone)
}

func (m *Meta) setGrant(ctx context.Context, keyID, scope string, p model.Permission) (model.AccessKey, error) {
	if keyID == "" {
		return model.AccessKey{}, fmt.Errorf("%w: empty access key id", model.ErrInvalid)
	}
	return decodeResult[model.AccessKey](m.submit(ctx, &command{Op: opSetGrant,
		Ident: &identCmd{Key: keyID, Scope: scope, Perm: p}}))
}

// GetUser returns a user with the IDs of its keys (model.ErrNotFound).
func (m *Meta) GetUser(ctx context.Context, name string) (model.User, error) {
	u, err := get[model.User](m, ctx, userKey(name), "user "+name)
	if err != nil {
		return u, err
	}
	u.Keys, err = indexKeys(m.fsm.db, userKeysPrefix(name))
	return u, err
}

// ListUsers returns every user by name, with the IDs of its keys.
func (m *Meta) ListUsers(ctx context.Context) ([]model.User, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	snap := m.fsm.db.NewSnapshot()
	defer snap.Close()
	us, err := list[model.User](snap, usersPrefix(), nil, "")
	if err != nil {
		return nil, err
	}
	for i := range us {
		if us[i].Keys, err = indexKeys(snap, userKeysPrefix(us[i].Name)); err != nil {
			return nil, err
		}
	}
	return us, nil
}

// GetKey returns a key without its secrets (model.ErrNotFound).
func (m *Meta) GetKey(ctx context.Context, id string) (model.AccessKey, error) {
	k, err := get[model.AccessKey](m, ctx, accessKeyKey(id), "access key "+id)
	return blank(k), err
}

// ListKeys returns every key, or user's keys (model.ErrNotFound: user),
// by ID and without secrets.
func (m *Meta) ListKeys(ctx context.Context, user string) ([]model.AccessKey, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	snap := m.fsm.db.NewSnapshot()
	defer snap.Close()
	var ks []model.AccessKey
	if user == "" {
		var err error
		if ks, err = list[model.AccessKey](snap, accessKeysPrefix(), nil, ""); err != nil {
			return nil, err
		}
	} else {
		if ok, err := getJSON(snap, userKey(user), new(model.User)); err != nil || !ok {
			return nil, orErr(err, fmt.Errorf("%w: user %s", model.ErrNotFound, user))
		}
		ids, err := indexKeys(snap, userKeysPrefix(user))
		if err != nil {
			return nil, err
		}
		ks = []model.AccessKey{}
		for _, id := range ids {
			var k model.AccessKey
			if ok, err := getJSON(snap, accessKeyKey(id), &k); err != nil {
				return nil, err
			} else if ok {
				ks = append(ks, k)
			}
		}
	}
	for i := range ks {
		ks[i] = blank(ks[i])
	}
	return ks, nil
}

// indexKeys returns the last components of the keys under prefix p.
func indexKeys(r pebble.Reader, p []byte) ([]string, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, err
	}
	var out []string
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, string(it.Key()[len(p):]))
	}
	return out, orErr(it.Error(), it.Close())
}

// resultSecret gives a created or rotated key its plaintext secret: the
// one in the command's result, which for a resend of a client request is
// the first attempt's (not sent), else sent.
func (m *Meta) resultSecret(got model.AccessKey, sent string) (model.AccessKey, error) {
	if got.Secret == "" {
		got.Secret = sent
		return got, nil
	}
	plain, err := m.seal.open(got.ID, got.Secret)
	if err != nil {
		return model.AccessKey{}, err
	}
	got.Secret, got.OldSecret = plain, ""
	return got, nil
}
