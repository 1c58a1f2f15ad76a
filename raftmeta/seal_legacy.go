package raftmeta

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// maxSealBatch bounds the keys one opSealKeys command re-seals.
const maxSealBatch = 256

// sealLegacy (leader, from reconcile) re-seals access key secrets stored in
// plaintext by a version before sealing existed: it seals them here and
// submits the ciphertext (opSealKeys), so the FSM and later snapshots no
// longer hold them. The old log entries that carried the plaintext go as
// Raft compacts its log, and Pebble drops the overwritten values as it
// compacts; rotating such a key after the upgrade is the way to be sure
// its old secret is gone everywhere. Once a scan finds nothing left it is
// not repeated in the same term (this version never writes plaintext).
func (m *Meta) sealLegacy(ctx context.Context) error {
	term := m.raft.CurrentTerm()
	if m.sealedTerm.Load() == term {
		return nil
	}
	keys, err := list[model.AccessKey](m.fsm.db, accessKeysPrefix(), nil, "")
	if err != nil {
		return err
	}
	var batch []sealedSecrets
	for _, k := range keys {
		plainSecret := k.Secret != "" && !isSealed(k.Secret)
		plainOld := k.OldSecret != "" && !isSealed(k.OldSecret)
		if !plainSecret && !plainOld {
			continue
		}
		s := sealedSecrets{Key: k.ID}
		if plainSecret {
			s.Secret = m.seal.seal(k.ID, k.Secret)
		}
		if plainOld {
			s.OldSecret = m.seal.seal(k.ID, k.OldSecret)
		}
		batch = append(batch, s)
		if len(batch) == maxSealBatch {
			break // the rest next round
		}
	}
	if len(batch) == 0 {
		m.sealedTerm.Store(term)
		return nil
	}
	if _, err := m.applyLocal(ctx, &command{Op: opSealKeys, ReqID: newReqID(), Ident: &identCmd{Sealed: batch}}); err != nil {
		return fmt.Errorf("raftmeta: seal %d legacy access key secrets: %w", len(batch), err)
	}
	m.log.Info("raftmeta: sealed access key secrets stored in plaintext by an older version", "keys", len(batch))
	return nil
}
