package transfer

import (
	"io/fs"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
)

// Unix special permission bits as stored in manifest.Entry.Mode.
const (
	modeSetuid = 0o4000
	modeSetgid = 0o2000
	modeSticky = 0o1000
)

// unixMode converts a Go file mode to the permission and special bits stored
// in a manifest entry.
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= modeSetuid
	}
	if m&fs.ModeSetgid != 0 {
		u |= modeSetgid
	}
	if m&fs.ModeSticky != 0 {
		u |= modeSticky
	}
	return u
}

// fileMode converts a stored mode back to a Go file mode (permission and
// special bits only).
func fileMode(u uint32) fs.FileMode {
	m := fs.FileMode(u & 0o777)
	if u&modeSetuid != 0 {
		m |= fs.ModeSetuid
	}
	if u&modeSetgid != 0 {
		m |= fs.ModeSetgid
	}
	if u&modeSticky != 0 {
		m |= fs.ModeSticky
	}
	return m
}

func mtimeOf(e manifest.Entry) time.Time { return time.Unix(0, e.MTime) }

// ContentHash is the hash shown for a file by `bundle list files` and
// `bundle diff`: BLAKE3-256 over the concatenation of its chunk IDs, in
// order. It is a pure function of the file's bytes (the chunker is
// deterministic), so equal hashes mean equal content. A symlink's hash is
// BLAKE3-256 of its target; a directory has none (the zero ID, shown as "").
func ContentHash(e manifest.Entry) string {
	switch e.Type {
	case manifest.File:
		return chunkListHash(e.Chunks).String()
	case manifest.Symlink:
		return chunk.Sum([]byte(e.Target)).String()
	}
	return ""
}

func chunkListHash(refs []manifest.ChunkRef) chunk.ID {
	b := make([]byte, 0, len(refs)*chunk.IDSize)
	for _, r := range refs {
		b = append(b, r.ID[:]...)
	}
	return chunk.Sum(b)
}
