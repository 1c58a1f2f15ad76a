package raftmeta

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// squashSeed is seed plus labels: main (the head) on the 2nd bundle,
// v1.0.0 on the 3rd, x on the 4th. It returns the bundle IDs.
func squashSeed(t testing.TB, f *fsm) []string {
	t.Helper()
	seed(t, f)
	ids, err := bundleIDs(f.db, "default", "r")
	if err != nil || len(ids) != 5 {
		t.Fatalf("seed bundles %v %v", ids, err)
	}
	for i, l := range []string{1: "main", 2: "v1.0.0", 3: "x"} { // in index order
		if l == "" {
			continue
		}
		r := applyCmd(t, f, uint64(10+i), &command{Op: opSetLabel,
			Label: &model.LabelSet{Context: "default", Repo: "r", Name: l, BundleID: ids[i]}})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	return ids
}

// FuzzSquashApply feeds arbitrary squash payloads to a real FSM: decoding
// never panics, apply is deterministic, and an applied squash never breaks
// the invariants: bundles newer than the horizon, the newest bundle at or
// before it and the head label's bundle survive, no label is left pointing
// at a deleted bundle, and deleted + kept is what the repo had.
func FuzzSquashApply(f *testing.F) {
	for _, s := range []string{
		`{"context":"default","repo":"r","retain_latest":1,"horizons":{"r":"` + "HORIZON" + `"}}`,
		`{"context":"default","retain_latest":2,"retain_semver_tags":true,"horizons":{"r":"zzzzzzzzzzzzzzzzzzzzzzzzzzz"}}`,
		`{"context":"default","repo":"r","retain_latest":1,"retain_tags":true,"horizons":{"r":"000000000000000000000000000"}}`,
		`{"context":"default","repo":"r","retain_latest":0}`,
		`{"context":"nope","retain_latest":1,"horizons":{"a/b":"x"}}`,
		`null`, `{}`, `[]`,
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, payload []byte, hz uint8) {
		var hashes []string
		for run := 0; run < 2; run++ {
			fs := newTestFSM(t)
			ids := squashSeed(t, fs)
			horizon := ids[int(hz)%len(ids)]
			data := append([]byte{cmdVersion}, `{"op":"squash","t":1735689600000000000,"sq":`...)
			data = append(data, bytes.ReplaceAll(payload, []byte("HORIZON"), []byte(horizon))...)
			data = append(data, '}')
			res := fs.Apply(&raft.Log{Index: 20, Term: 1, Type: raft.LogCommand, Data: data}).(*applyResult)
			h, err := stateHash(fs.db)
			if err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, h)
			if res.Err != nil {
				continue
			}
			checkSquashInvariants(t, fs, ids, res.Data)
		}
		if hashes[0] != hashes[1] {
			t.Fatal("squash apply is not deterministic")
		}
	})
}

func checkSquashInvariants(t *testing.T, fs *fsm, before []string, data []byte) {
	t.Helper()
	var out model.SquashResult
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("result %q: %v", data, err)
	}
	after, err := bundleIDs(fs.db, "default", "r")
	if err != nil {
		t.Fatal(err)
	}
	alive := map[string]bool{}
	for _, id := range after {
		alive[id] = true
	}
	for _, r := range out.Repos {
		if r.Repo != "r" {
			continue
		}
		if r.Deleted+r.Kept != len(before) || r.Kept != len(after) {
			t.Fatalf("result %+v: %d bundles before, %d after", r, len(before), len(after))
		}
		var newestCandidate string
		for _, id := range before {
			if r.Horizon == "" || id > r.Horizon {
				if !alive[id] {
					t.Fatalf("bundle %s after horizon %q deleted", id, r.Horizon)
				}
			} else {
				newestCandidate = id
			}
		}
		if newestCandidate != "" && !alive[newestCandidate] {
			t.Fatalf("newest bundle at or before the horizon deleted")
		}
	}
	if !alive[before[1]] {
		t.Fatal("the head label's bundle was deleted")
	}
	labels, err := list[model.Label](fs.db, labelsPrefix("default", "r"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labels {
		if !alive[l.BundleID] {
			t.Fatalf("label %s points at deleted bundle %s", l.Name, l.BundleID)
		}
	}
}
