package raftmeta

import (
	"log/slog"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// FuzzApplyDraft decodes and applies fuzzed draft commands after a repo
// with a draft entry and an upload exists: never a panic, always deterministic.
func FuzzApplyDraft(f *testing.F) {
	ref := func(d *draftCmd) *draftCmd { d.Context, d.Repo = "default", "r"; return d }
	for _, c := range []*command{
		{Op: opDraftPut, Draft: ref(&draftCmd{Entry: &DraftEntry{Path: "a", Size: 1, Chunks: []DraftChunk{{Size: 1}}},
			Cond: &PutCondition{IfNoneMatch: true, Label: "main"}})},
		{Op: opDraftDelete, Draft: ref(&draftCmd{Path: "a"})},
		{Op: opDraftDiscard, Draft: ref(&draftCmd{})},
		{Op: opDraftCommit, Draft: ref(&draftCmd{Commit: &DraftCommit{Bundle: model.Bundle{Context: "default", Repo: "r", Message: "m"},
			Label: model.LabelSet{Name: "main", IfNotExists: true}, DraftSeq: 3}})},
		{Op: opUploadPart, Draft: ref(&draftCmd{UploadID: "u", Part: &UploadPart{Number: 1, ETag: "00"}})},
		{Op: opUploadComplete, Draft: ref(&draftCmd{UploadID: "u", Path: "k", Parts: []CompletePart{{Number: 1, ETag: "00"}}})},
		{Op: opUploadAbort, Draft: ref(&draftCmd{UploadID: "u"})},
		{Op: opDraftPut, Draft: &draftCmd{}},
	} {
		b, _ := encodeCommand(c)
		f.Add(b)
	}
	setup := []*command{
		{Op: opInit},
		{Op: opCreateRepo, Repo: &model.Repo{Context: "default", Name: "r", Description: "d"}},
		{Op: opDraftPut, Draft: ref(&draftCmd{Entry: &DraftEntry{Path: "a", ETag: "e"}})},
		{Op: opUploadCreate, Draft: ref(&draftCmd{Upload: &Upload{Key: "k"}})},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var hashes []string
		for i := 0; i < 2; i++ {
			fs, _, err := openFSM("fsm", vfs.NewMem(), slog.New(slog.DiscardHandler), 10)
			if err != nil {
				t.Fatal(err)
			}
			for j, c := range setup {
				b, _ := encodeCommand(c)
				fs.Apply(&raft.Log{Index: uint64(j + 1), Data: b})
			}
			fs.Apply(&raft.Log{Index: uint64(len(setup) + 1), Data: data})
			h, _ := stateHash(fs.db)
			hashes = append(hashes, h)
			_ = fs.close()
		}
		if hashes[0] != hashes[1] {
			t.Fatal("apply is not deterministic")
		}
	})
}
