package raftmeta

import (
	"context"

	"github.com/datamon-io/datamon/model"
)

// ApplyPlainKey applies, on the leader m, the put_access_key command a
// version before sealing wrote: k's secrets in plaintext.
func ApplyPlainKey(ctx context.Context, m *Meta, k model.AccessKey) error {
	_, err := m.applyLocal(ctx, &command{Op: opPutAccessKey, ReqID: newReqID(), Key: &k})
	return err
}

// StoredKey is the key as the FSM holds it (secrets sealed or legacy plaintext).
func StoredKey(m *Meta, id string) (model.AccessKey, bool, error) {
	var k model.AccessKey
	ok, err := getJSON(m.fsm.db, accessKeyKey(id), &k)
	return k, ok, err
}

// SealPrefix is the sealed format's prefix.
const SealPrefix = sealPrefix

// OpenWith opens a sealed value of key id under clusterSecret.
func OpenWith(clusterSecret []byte, id, v string) error {
	s, err := newSealer(clusterSecret)
	if err != nil {
		return err
	}
	_, err = s.open(id, v)
	return err
}

// RequestRecorded reports whether m's FSM holds the outcome of request id
// of scope (the client request window, request.go).
func RequestRecorded(m *Meta, scope, id string) (bool, error) {
	var rec requestRecord
	return getJSON(m.fsm.db, reqKey(scope, id), &rec)
}
