package raftmeta

import (
	"fmt"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Users and their access keys are Raft state. A user lives under "i" "u"
// name; each of its keys is indexed under "i" "k" user id (empty value) so
// that a user's keys are listed and deleted without scanning every key.
// Keys themselves stay under "k" id (the API's and the gateway's lookup).
//
// Secrets reach these ops already sealed (seal.go): the FSM refuses a new
// key or a rotation whose secret is not sealed, so no plaintext can enter
// the state through them.

// Identity operations. Values are part of the log format: never renumber.
const (
	opCreateUser = "create_user" // User
	opDeleteUser = "delete_user" // Ident.User
	opCreateKey  = "create_key"  // Key (sealed)
	opDeleteKey  = "delete_key"  // Ident.Key
	opRotateKey  = "rotate_key"  // Ident.Key, Ident.Secret (sealed), Ident.Grace
	opSetGrant   = "set_grant"   // Ident.Key, Ident.Scope, Ident.Perm (PermNone: remove)
	opSealKeys   = "seal_keys"   // Ident.Sealed: legacy plaintext secrets re-sealed (seal.go)
)

func init() {
	for _, op := range []string{opCreateUser, opDeleteUser, opCreateKey, opDeleteKey, opRotateKey, opSetGrant, opSealKeys} {
		knownOps[op] = true
	}
}

// identCmd is the payload of the identity ops.
type identCmd struct {
	User   string           `json:"user,omitempty"`
	Key    string           `json:"key,omitempty"`
	Secret string           `json:"secret,omitempty"` // sealed
	Grace  time.Duration    `json:"grace,omitempty"`
	Scope  string           `json:"scope,omitempty"`
	Perm   model.Permission `json:"perm,omitempty"`
	Sealed []sealedSecrets  `json:"sealed,omitempty"`
}

// sealedSecrets replaces a key's plaintext secrets (opSealKeys).
type sealedSecrets struct {
	Key       string `json:"key"`
	Secret    string `json:"secret,omitempty"`
	OldSecret string `json:"old_secret,omitempty"`
}

func identMissing(c *command) bool {
	switch c.Op {
	case opCreateUser:
		return c.User == nil
	case opCreateKey:
		return c.Key == nil
	case opDeleteUser:
		return c.Ident == nil || c.Ident.User == ""
	case opDeleteKey, opRotateKey, opSetGrant:
		return c.Ident == nil || c.Ident.Key == ""
	case opSealKeys:
		return c.Ident == nil || len(c.Ident.Sealed) == 0
	}
	return false
}

func userKey(name string) []byte          { return join("i", "u", name) }
func usersPrefix() []byte                 { return join("i", "u", "") }
func userKeyIndex(user, id string) []byte { return join("i", "k", user, id) }
func userKeysPrefix(user string) []byte   { return join("i", "k", user, "") }
func accessKeysPrefix() []byte            { return join("k", "") }

// execIdentity applies an identity op (ok = false: not one).
func (tx *txn) execIdentity(c *command) ([]byte, bool, error) {
	var (
		out []byte
		err error
	)
	switch c.Op {
	case opCreateUser:
		out, err = tx.createUser(*c.User)
	case opDeleteUser:
		out, err = tx.deleteUser(c.Ident.User)
	case opCreateKey:
		out, err = tx.createKey(*c.Key)
	case opDeleteKey:
		out, err = tx.deleteKey(c.Ident.Key)
	case opRotateKey:
		out, err = tx.rotateKey(*c.Ident)
	case opSetGrant:
		out, err = tx.setGrant(*c.Ident)
	case opSealKeys:
		out, err = tx.sealKeys(c.Ident.Sealed)
	default:
		return nil, false, nil
	}
	return out, true, err
}

func (tx *txn) createUser(u model.User) ([]byte, error) {
	if err := model.ValidateUser(u); err != nil {
		return nil, err
	}
	if ok, err := tx.exists(userKey(u.Name)); err != nil || ok {
		return nil, orErr(err, fmt.Errorf("%w: user %q", model.ErrExists, u.Name))
	}
	u.Created, u.Keys = tx.now, nil
	return tx.putJSON(userKey(u.Name), u), nil
}

func (tx *txn) deleteUser(name string) ([]byte, error) {
	if ok, err := tx.exists(userKey(name)); err != nil || !ok {
		return nil, orErr(err, fmt.Errorf("%w: user %q", model.ErrNotFound, name))
	}
	keys, err := tx.userKeys(name)
	if err != nil {
		return nil, err
	}
	if err := tx.keepAnAdmin(keys...); err != nil {
		return nil, fmt.Errorf("user %q: %w", name, err)
	}
	for _, id := range keys {
		_ = tx.b.Delete(accessKeyKey(id), nil)
	}
	p := userKeysPrefix(name)
	_ = tx.b.DeleteRange(p, prefixEnd(p), nil)
	_ = tx.b.Delete(userKey(name), nil)
	return nil, nil
}

// userKeys returns the IDs of user's keys (index order).
func (tx *txn) userKeys(user string) ([]string, error) {
	return indexKeys(tx.b, userKeysPrefix(user))
}

func (tx *txn) createKey(k model.AccessKey) ([]byte, error) {
	if err := validateNewKey(k); err != nil {
		return nil, err
	}
	var u model.User
	if ok, err := getJSON(tx.b, userKey(k.User), &u); err != nil || !ok {
		return nil, orErr(err, fmt.Errorf("%w: user %q", model.ErrNotFound, k.User))
	}
	// What the key writes is recorded as its user (api: request.contributor).
	k.Contributor = u.Contributor()
	if ok, err := tx.exists(accessKeyKey(k.ID)); err != nil || ok {
		return nil, orErr(err, fmt.Errorf("%w: access key %q", model.ErrExists, k.ID))
	}
	k.Created, k.OldSecret, k.OldSecretUntil = tx.now, "", time.Time{}
	k.SecretGen, k.OldSecretGen = tx.index, 0 // authstamp.go
	normalizeRoot(&k)
	tx.putJSON(accessKeyKey(k.ID), k)
	_ = tx.b.Set(userKeyIndex(k.User, k.ID), nil, nil)
	return mustJSON(sealedResult(k)), nil
}

// validateNewKey checks a key of opCreateKey: an ID, a sealed secret, an
// owner and valid grants.
func validateNewKey(k model.AccessKey) error {
	if err := validateAccessKey(k); err != nil {
		return err
	}
	if !isSealed(k.Secret) || (k.OldSecret != "" && !isSealed(k.OldSecret)) {
		return fmt.Errorf("%w: access key %q: secret not sealed", model.ErrInvalid, k.ID)
	}
	if err := model.ValidateUserName(k.User); err != nil {
		return fmt.Errorf("access key %q: %w", k.ID, err)
	}
	for scope, p := range k.Grants {
		if err := model.ValidateGrant(model.Grant{Scope: scope, Permission: p}); err != nil {
			return fmt.Errorf("access key %q: %w", k.ID, err)
		}
	}
	return nil
}

// normalizeRoot keeps Root and the cluster-scope admin grant in step: a
// root key (the bootstrap one has Root without grants) gets "*"=admin, and
// Root is true exactly when "*" is admin.
func normalizeRoot(k *model.AccessKey) {
	if k.Root && k.Grants[model.ScopeCluster] != model.PermAdmin {
		if k.Grants == nil {
			k.Grants = map[string]model.Permission{}
		}
		k.Grants[model.ScopeCluster] = model.PermAdmin
	}
	k.Root = k.Grants[model.ScopeCluster] == model.PermAdmin
	if len(k.Grants) == 0 {
		k.Grants = nil
	}
}

func isAdmin(k model.AccessKey) bool {
	return k.Root || k.Grants[model.ScopeCluster] == model.PermAdmin
}

// keepAnAdmin refuses (model.ErrPrecondition) when deleting or downgrading
// the keys ids would leave the cluster without a cluster-admin key.
func (tx *txn) keepAnAdmin(ids ...string) error {
	gone := map[string]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	keys, err := list[model.AccessKey](tx.b, accessKeysPrefix(), nil, "")
	if err != nil {
		return err
	}
	lost := false
	for _, k := range keys {
		switch {
		case !isAdmin(k):
		case !gone[k.ID]:
			return nil
		default:
			lost = true
		}
	}
	if !lost {
		return nil
	}
	return fmt.Errorf("%w: the last cluster-admin key cannot be deleted or downgraded", model.ErrPrecondition)
}

func (tx *txn) getKey(id string) (model.AccessKey, error) {
	var k model.AccessKey
	found, err := getJSON(tx.b, accessKeyKey(id), &k)
	if err != nil {
		return k, err
	}
	if !found {
		return k, fmt.Errorf("%w: access key %q", model.ErrNotFound, id)
	}
	return k, nil
}

func (tx *txn) deleteKey(id string) ([]byte, error) {
	k, err := tx.getKey(id)
	if err != nil {
		return nil, err
	}
	if err := tx.keepAnAdmin(id); err != nil {
		return nil, err
	}
	_ = tx.b.Delete(accessKeyKey(id), nil)
	if k.User != "" {
		_ = tx.b.Delete(userKeyIndex(k.User, id), nil)
	}
	return nil, nil
}

// sealedResult is a created or rotated key as its command's result: the
// new secret stays in (sealed), so that Meta can hand a resend of the
// request the secret the first attempt made, never a second one.
func sealedResult(k model.AccessKey) model.AccessKey {
	k.OldSecret = ""
	return k
}
