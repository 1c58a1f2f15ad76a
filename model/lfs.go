package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/datamon-io/datamon/chunk"
)

// Git LFS limits checked by ValidateLFSObject and ValidateLFSLock.
const (
	// LFSMaxChunks bounds the chunk list of one LFS object held in Raft
	// (about 16 GiB at the default 1 MiB average chunk size).
	LFSMaxChunks = 16384
	// LFSMaxLockPath bounds a lock's path.
	LFSMaxLockPath = 4096
)

// LFSChunk is one content-defined chunk of an LFS object, in order.
type LFSChunk struct {
	ID   chunk.ID `json:"id"`
	Size uint32   `json:"size"`
}

// LFSObject is a Git LFS object of a repo: OID (hex SHA-256 of the whole
// object), size and the chunks holding its bytes. It exists only once every
// chunk is stored and the OID was verified against the bytes.
type LFSObject struct {
	OID     string     `json:"oid"`
	Size    int64      `json:"size"`
	Chunks  []LFSChunk `json:"chunks"`
	Created time.Time  `json:"created,omitzero"` // leader's clock at commit
}

// LFSLock is a Git LFS file lock on a path of a repo.
type LFSLock struct {
	ID       string    `json:"id"`
	Path     string    `json:"path"`
	Owner    string    `json:"owner"`
	Ref      string    `json:"ref,omitempty"`
	LockedAt time.Time `json:"locked_at"`
}

// ValidLFSOID reports whether s is a Git LFS sha256 OID: 64 lowercase hex digits.
func ValidLFSOID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ValidateLFSObject checks an object's shape: OID, a non-negative size that
// equals the sum of its non-empty chunks, at most LFSMaxChunks chunks.
func ValidateLFSObject(o LFSObject) error {
	if !ValidLFSOID(o.OID) {
		return fmt.Errorf("%w: LFS OID %q is not 64 lowercase hex digits", ErrInvalid, o.OID)
	}
	if o.Size < 0 {
		return fmt.Errorf("%w: LFS object %s: negative size %d", ErrInvalid, o.OID, o.Size)
	}
	if len(o.Chunks) > LFSMaxChunks {
		return fmt.Errorf("%w: LFS object %s has %d chunks, limit %d", ErrInvalid, o.OID, len(o.Chunks), LFSMaxChunks)
	}
	var sum int64
	for i, c := range o.Chunks {
		if c.Size == 0 || c.ID.IsZero() {
			return fmt.Errorf("%w: LFS object %s: chunk %d is empty", ErrInvalid, o.OID, i)
		}
		sum += int64(c.Size)
	}
	if sum != o.Size {
		return fmt.Errorf("%w: LFS object %s: chunks hold %d bytes, size is %d", ErrInvalid, o.OID, sum, o.Size)
	}
	return nil
}

// ValidateLFSLockPath checks a lock path: non-empty, at most LFSMaxLockPath
// bytes, no NUL, no leading '/', no "." or ".." segment (git paths are
// relative to the work tree root).
func ValidateLFSLockPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: lock path is empty", ErrInvalid)
	case len(p) > LFSMaxLockPath:
		return fmt.Errorf("%w: lock path is %d bytes, limit %d", ErrInvalid, len(p), LFSMaxLockPath)
	case strings.IndexByte(p, 0) >= 0:
		return fmt.Errorf("%w: lock path contains NUL", ErrInvalid)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%w: lock path %q is absolute", ErrInvalid, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: lock path %q has an empty, . or .. segment", ErrInvalid, p)
		}
	}
	return nil
}

// ValidateLFSLock checks a lock request: path and owner.
func ValidateLFSLock(l LFSLock) error {
	if err := ValidateLFSLockPath(l.Path); err != nil {
		return err
	}
	if l.Owner == "" || len(l.Owner) > 256 || strings.IndexByte(l.Owner, 0) >= 0 {
		return fmt.Errorf("%w: lock owner %q", ErrInvalid, l.Owner)
	}
	if len(l.Ref) > 1024 || strings.IndexByte(l.Ref, 0) >= 0 {
		return fmt.Errorf("%w: lock ref", ErrInvalid)
	}
	return nil
}
