package raftmeta

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// repoAdminSeeds are encoded rename and swap commands for the fuzzers.
func repoAdminSeeds() [][]byte {
	var out [][]byte
	for _, c := range []*command{
		{Op: opRenameRepo, Rename: &renameCmd{Context: "default", From: "r", To: "s"}},
		{Op: opRenameRepo, Rename: &renameCmd{Context: "default", From: "r", To: "r"}},
		{Op: opRenameRepo, Rename: &renameCmd{Context: "default", From: "r", To: "../x"}},
		{Op: opRenameRepo},
		{Op: opSwapManifests, Swap: &swapCmd{Context: "default", Repo: "r", Swaps: []model.ManifestSwap{
			{BundleID: "x", NewRoot: chunk.Sum([]byte("n")), FileCount: 1}}}},
		{Op: opSwapManifests, Swap: &swapCmd{Context: "default", Repo: "r"}},
	} {
		b, _ := encodeCommand(c)
		out = append(out, b)
	}
	return append(out, []byte("\x01{\"op\":\"rename_repo\",\"ren\":null}"), []byte("\x01{\"op\":\"swap_manifests\",\"swap\":{\"swaps\":[{}]}}"))
}

// FuzzDecodeRepoAdminCommand: rename / swap commands that decode re-encode
// to the same command, and carry their payload.
func FuzzDecodeRepoAdminCommand(f *testing.F) {
	for _, s := range repoAdminSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCommand(b)
		if err != nil {
			return
		}
		if (c.Op == opRenameRepo && c.Rename == nil) || (c.Op == opSwapManifests && c.Swap == nil) {
			t.Fatalf("%s decoded without payload", c.Op)
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
	})
}

// FuzzApplyRepoAdmin applies an arbitrary entry to an FSM holding a repo
// with bundles, a label and a key with a grant: no panic, deterministic,
// and the repo's bundles are never lost or duplicated: they are all under
// exactly one name (r, or the rename target).
func FuzzApplyRepoAdmin(f *testing.F) {
	for _, s := range repoAdminSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var hashes []string
		for i := 0; i < 2; i++ {
			fs := newTestFSM(t)
			seed(t, fs)
			applyCmd(t, fs, 8, &command{Op: opPutAccessKey, Key: &model.AccessKey{ID: "k", Secret: "s",
				Grants: map[string]model.Permission{"default/r": model.PermWrite}}})
			bs, err := list[model.Bundle](fs.db, bundlesPrefix("default", "r"), nil, "")
			if err != nil || len(bs) != 5 {
				t.Fatalf("seed: %d bundles %v", len(bs), err)
			}
			res := fs.Apply(&raft.Log{Index: 9, Term: 1, Type: raft.LogCommand, Data: data}).(*applyResult)
			h, _ := stateHash(fs.db)
			hashes = append(hashes, h)
			c, derr := decodeCommand(data)
			if derr != nil || c.Op != opRenameRepo {
				continue
			}
			to := "r"
			if res.Err == nil {
				to = c.Rename.To
				var old json.RawMessage
				if ok, _ := getJSON(fs.db, repoKey("default", "r"), &old); ok {
					t.Fatalf("rename to %q applied but r still exists", to)
				}
			}
			got, err := list[model.Bundle](fs.db, bundlesPrefix("default", to), nil, "")
			if err != nil || len(got) != 5 {
				t.Fatalf("after rename (err %v): %d bundles under %q, %v", res.Err, len(got), to, err)
			}
			for j, b := range got {
				if b.ID != bs[j].ID || b.Repo != to {
					t.Fatalf("bundle %d: %+v, want ID %s under %q", j, b, bs[j].ID, to)
				}
			}
		}
		if hashes[0] != hashes[1] {
			t.Fatal("apply is not deterministic")
		}
	})
}
