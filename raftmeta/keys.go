package raftmeta

import (
	"encoding/binary"
	"strings"
)

// FSM key space. Components are separated by 0x00, which no valid name
// contains, so prefix scans never mix "a" with "ab". System keys start with
// 0x00 and sort first.
const sep = "\x00"

var (
	keyApplied   = []byte("\x00a")     // last applied raft index (excluded from StateHash)
	keyLastTime  = []byte("\x00t")     // last stamped time, unix ns (monotonic clamp)
	prefixDedup  = []byte("\x00d\x00") // + reqID -> dedupRecord
	prefixDedupI = []byte("\x00D\x00") // + index(8) + reqID -> empty (pruning order)
	keyLayoutCur = []byte("L\x00cur")
	prefixLayout = []byte("L\x00v") // + version(8) -> older layout not yet retired
)

func join(parts ...string) []byte { return []byte(strings.Join(parts, sep)) }

func u64(v uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return string(b[:])
}

func contextKey(name string) []byte          { return join("c", name) }
func repoKey(ctx, name string) []byte        { return join("r", ctx, name) }
func reposPrefix(ctx string) []byte          { return join("r", ctx, "") }
func bundleKey(ctx, repo, id string) []byte  { return join("b", ctx, repo, id) }
func bundlesPrefix(ctx, repo string) []byte  { return join("b", ctx, repo, "") }
func labelKey(ctx, repo, name string) []byte { return join("l", ctx, repo, name) }
func labelsPrefix(ctx, repo string) []byte   { return join("l", ctx, repo, "") }
func historyPrefix(ctx, repo, label string) []byte {
	return join("h", ctx, repo, label, "")
}
func historyKey(ctx, repo, label string, index uint64) []byte {
	return join("h", ctx, repo, label, u64(index))
}
func repoHistoryPrefix(ctx, repo string) []byte { return join("h", ctx, repo, "") }
func accessKeyKey(id string) []byte             { return join("k", id) }
func removedKey(id string) []byte               { return join("n", id) }
func layoutVersionKey(v uint64) []byte {
	return append(append([]byte(nil), prefixLayout...), u64(v)...)
}
func dedupKey(req string) []byte { return append(append([]byte(nil), prefixDedup...), req...) }
func dedupIndexKey(index uint64, req string) []byte {
	k := append(append([]byte(nil), prefixDedupI...), u64(index)...)
	return append(k, req...)
}

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}
