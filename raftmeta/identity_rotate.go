package raftmeta

import (
	"fmt"
	"time"

	"github.com/datamon-io/datamon/model"
)

// rotateKey makes the sealed c.Secret the key's secret. With a grace
// period the previous secret stays valid until now+grace (OldSecret,
// OldSecretUntil); a previous rotation's old secret is dropped. The
// previous secret moves as it is stored (sealed for the same key ID); a
// legacy plaintext one is replaced by c.Sealed[0] (Meta re-seals it) so no
// plaintext is carried over.
func (tx *txn) rotateKey(c identCmd) ([]byte, error) {
	if !isSealed(c.Secret) {
		return nil, fmt.Errorf("%w: access key %q: new secret not sealed", model.ErrInvalid, c.Key)
	}
	if c.Grace < 0 || c.Grace > model.MaxRotationGrace {
		return nil, fmt.Errorf("%w: rotation grace %s: want 0 to %s", model.ErrInvalid, c.Grace, model.MaxRotationGrace)
	}
	k, err := tx.getKey(c.Key)
	if err != nil {
		return nil, err
	}
	old := k.Secret
	if !isSealed(old) {
		old = ""
		if len(c.Sealed) == 1 && c.Sealed[0].Key == k.ID && isSealed(c.Sealed[0].Secret) {
			old = c.Sealed[0].Secret
		}
	}
	oldGen := k.SecretGen
	k.Secret, k.OldSecret, k.OldSecretUntil = c.Secret, "", time.Time{}
	k.SecretGen, k.OldSecretGen = tx.index, 0 // authstamp.go
	if c.Grace > 0 && old != "" {
		k.OldSecret, k.OldSecretUntil, k.OldSecretGen = old, tx.now.Add(c.Grace), oldGen
	}
	tx.putJSON(accessKeyKey(k.ID), k)
	return mustJSON(sealedResult(k)), nil
}

// setGrant sets (c.Perm read, write or admin) or removes (PermNone) the
// key's grant on c.Scope. Removing a grant the key lacks is
// model.ErrNotFound; downgrading the last cluster-admin key is refused.
func (tx *txn) setGrant(c identCmd) ([]byte, error) {
	if err := model.ValidateScope(c.Scope); err != nil {
		return nil, err
	}
	if c.Perm < model.PermNone || c.Perm > model.PermAdmin {
		return nil, fmt.Errorf("%w: permission %s", model.ErrInvalid, c.Perm)
	}
	k, err := tx.getKey(c.Key)
	if err != nil {
		return nil, err
	}
	wasAdmin := isAdmin(k)
	normalizeRoot(&k)
	if c.Perm == model.PermNone {
		if _, ok := k.Grants[c.Scope]; !ok {
			return nil, fmt.Errorf("%w: access key %q has no grant on %q", model.ErrNotFound, k.ID, c.Scope)
		}
		delete(k.Grants, c.Scope)
	} else {
		if k.Grants == nil {
			k.Grants = map[string]model.Permission{}
		}
		k.Grants[c.Scope] = c.Perm
	}
	k.Root = k.Grants[model.ScopeCluster] == model.PermAdmin
	if len(k.Grants) == 0 {
		k.Grants = nil
	}
	if wasAdmin && !isAdmin(k) {
		if err := tx.keepAnAdmin(k.ID); err != nil {
			return nil, err
		}
	}
	tx.putJSON(accessKeyKey(k.ID), k)
	return mustJSON(blank(k)), nil
}

// sealKeys replaces legacy plaintext secrets by the sealed values the
// leader computed (Meta.sealLegacy). A value is replaced only while the
// stored one is still plaintext: every write of this version stores sealed
// secrets, so a plaintext value can only be the one the leader read.
func (tx *txn) sealKeys(ss []sealedSecrets) ([]byte, error) {
	n := 0
	for _, s := range ss {
		k, err := tx.getKey(s.Key)
		if err != nil {
			continue // deleted meanwhile
		}
		changed := false
		if k.Secret != "" && !isSealed(k.Secret) && isSealed(s.Secret) {
			k.Secret, changed = s.Secret, true
		}
		if k.OldSecret != "" && !isSealed(k.OldSecret) && isSealed(s.OldSecret) {
			k.OldSecret, changed = s.OldSecret, true
		}
		if changed {
			tx.putJSON(accessKeyKey(k.ID), k)
			n++
		}
	}
	return mustJSON(n), nil
}
