package raftmeta

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// FuzzAuthStamp decodes arbitrary auth stamps inside an otherwise valid
// command: a stamp decodeCommand accepts is well formed, round-trips, and
// is checked at apply without panicking, the same way on two replicas.
func FuzzAuthStamp(f *testing.F) {
	for _, s := range []string{
		`{"k":"K","g":2,"n":[{"scope":"default/*","permission":3}]}`,
		`{"k":"K"}`,
		`{"k":"","g":1}`,
		`{"k":"K","n":[{"scope":"","permission":1}]}`,
		`{"k":"K","n":[{"scope":"*","permission":9}]}`,
		`{"k":"K","n":[{"scope":"a/b/c","permission":1}]}`,
		`{"k":"K","g":-1}`,
		`null`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, stamp []byte) {
		cmd := append([]byte{cmdVersion}, `{"op":"create_repo","repo":{"context":"default","name":"r","description":"d"},"auth":`...)
		cmd = append(append(cmd, stamp...), '}')
		c, err := decodeCommand(cmd)
		if err != nil {
			return
		}
		if c.Auth != nil {
			if err := c.Auth.validate(); err != nil {
				t.Fatalf("accepted a stamp that does not validate: %v", err)
			}
		}
		b2, err := encodeCommand(c)
		if err != nil {
			return
		}
		c2, err := decodeCommand(b2)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		j1, _ := json.Marshal(c)
		j2, _ := json.Marshal(c2)
		if !bytes.Equal(j1, j2) {
			t.Fatalf("round trip %s != %s", j1, j2)
		}
		var hashes []string
		for range 2 {
			fs, _, err := openFSM("fsm", vfs.NewMem(), slog.New(slog.DiscardHandler), 10)
			if err != nil {
				t.Fatal(err)
			}
			init, _ := encodeCommand(&command{Op: opInit})
			fs.Apply(&raft.Log{Index: 1, Data: init})
			user, _ := encodeCommand(&command{Op: opCreateUser, User: &model.User{Name: "u"}})
			fs.Apply(&raft.Log{Index: 2, Data: user})
			key, _ := encodeCommand(&command{Op: opCreateKey, Key: &model.AccessKey{ID: "K", Secret: sealPrefix + "AAAA", User: "u",
				Grants: map[string]model.Permission{"default/*": model.PermWrite}}, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()})
			fs.Apply(&raft.Log{Index: 3, Data: key})
			fs.Apply(&raft.Log{Index: 4, Data: b2})
			h, _ := stateHash(fs.db)
			hashes = append(hashes, h)
			_ = fs.close()
		}
		if hashes[0] != hashes[1] {
			t.Fatal("apply is not deterministic")
		}
	})
}
