package raftmeta

import (
	"log/slog"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// FuzzApplyRuns feeds arbitrary run commands to a real FSM holding a repo,
// a labelled bundle and a running run: apply never panics and is
// deterministic, and a command that fails leaves the state as it was.
func FuzzApplyRuns(f *testing.F) {
	id := "seed-run-id-is-replaced-xx" // replaced by the real ID below
	for _, c := range []*command{
		{Op: opRunStart, Run: &runCmd{Start: &model.RunStart{Context: "default", Name: "x", Owner: "o",
			Inputs: []model.InputRef{{Repo: "r", Ref: "l"}}, Lease: 5}}},
		{Op: opRunMetrics, Run: &runCmd{ID: id, Actor: "o", Points: []model.MetricPoint{{Key: "k", Value: 1}}}},
		{Op: opRunInputs, Run: &runCmd{ID: id, Actor: "o", Inputs: []model.InputRef{{Repo: "r", Ref: "nope"}}}},
		{Op: opRunFinish, Run: &runCmd{ID: id, Actor: "o", Status: model.RunFailed}},
		{Op: opRunUpdate, Run: &runCmd{ID: id, Force: true, Update: &model.RunUpdate{Tags: map[string]string{"a": ""}}}},
		{Op: opRunExpire, Time: 1 << 62},
		{Op: opCommitBundle, Bundle: &model.Bundle{Context: "default", Repo: "r", Message: "m", Run: id}},
	} {
		b, _ := encodeCommand(c)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var hashes []string
		for i := 0; i < 2; i++ {
			fs, _, err := openFSM("fsm", vfs.NewMem(), slog.New(slog.DiscardHandler), 10)
			if err != nil {
				t.Fatal(err)
			}
			var idx uint64
			apply := func(c *command) *applyResult {
				b, _ := encodeCommand(c)
				idx++
				return fs.Apply(&raft.Log{Index: idx, Data: b}).(*applyResult)
			}
			apply(&command{Op: opInit, Time: 1e18})
			apply(&command{Op: opCreateRepo, Time: 1e18, Repo: &model.Repo{Context: "default", Name: "r", Description: "d"}})
			res := apply(&command{Op: opCommitBundle, Time: 1e18, Bundle: &model.Bundle{Context: "default", Repo: "r", Message: "m"},
				Label: &model.LabelSet{Name: "l"}})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			res = apply(&command{Op: opRunStart, Time: 1e18, Run: &runCmd{Start: &model.RunStart{Context: "default", Name: "x", Owner: "o", Lease: 5}}})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			h0, _ := stateHash(fs.db)
			idx++
			out := fs.Apply(&raft.Log{Index: idx, Data: data}).(*applyResult)
			h, _ := stateHash(fs.db)
			if out.Err != nil && h != h0 {
				t.Fatalf("failed command %v changed the state", out.Err)
			}
			hashes = append(hashes, h)
			_ = fs.close()
		}
		if hashes[0] != hashes[1] {
			t.Fatal("apply is not deterministic")
		}
	})
}
