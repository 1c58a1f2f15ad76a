package manifest

import (
	"context"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/chunk"
)

// Limits enforced on Add and on decode.
const (
	MaxPathLen   = 4096
	MaxTargetLen = 4096
)

// EntryType says what a path is.
type EntryType uint8

// Entry types. The zero value is invalid.
const (
	File    EntryType = 1
	Dir     EntryType = 2 // an empty or explicitly recorded directory
	Symlink EntryType = 3
)

func (t EntryType) String() string {
	switch t {
	case File:
		return "file"
	case Dir:
		return "dir"
	case Symlink:
		return "symlink"
	}
	return fmt.Sprintf("EntryType(%d)", uint8(t))
}

// ChunkRef is one chunk of a file's content, in order.
type ChunkRef struct {
	ID   chunk.ID
	Size uint32
}

// Entry is one path of a bundle.
//
// Rules checked by Add: File: Size == sum of Chunks' sizes, every chunk Size > 0,
// no Target. Dir: Size 0, no Chunks, no Target. Symlink: Target non-empty
// (<= MaxTargetLen, no NUL), Size == len(Target), no Chunks.
type Entry struct {
	Path   string // see ValidatePath
	Type   EntryType
	Size   int64
	Mode   uint32 // permission and special bits (fs.FileMode.Perm | setuid/setgid/sticky as the caller likes)
	MTime  int64  // unix nanoseconds
	Target string // symlink target, stored verbatim (may be absolute or contain "..")
	Chunks []ChunkRef
	// Attrs are free-form attributes (page version 2; see attrs.go), e.g.
	// S3 ETag / content type / user metadata. Limits: MaxAttrs etc.
	Attrs map[string]string
}

// ChunkPutter stores a chunk and returns its ID (BLAKE3 of data). It may
// retain data: the Writer never reuses a page buffer after passing it here.
type ChunkPutter interface {
	PutChunk(ctx context.Context, data []byte) (chunk.ID, error)
}

// ChunkGetter returns a chunk's bytes. The Reader verifies them against id.
type ChunkGetter interface {
	GetChunk(ctx context.Context, id chunk.ID) ([]byte, error)
}

// ValidatePath accepts a relative, slash-separated, normalized path: not empty,
// at most MaxPathLen bytes, no leading or trailing '/', no empty, "." or ".."
// segment, no NUL byte. A backslash is an ordinary character here (it is a
// valid byte in POSIX names and S3 keys); a downloader writing to a system
// where '\' separates paths must reject or escape it itself.
func ValidatePath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: empty", ErrBadPath)
	case len(p) > MaxPathLen:
		return fmt.Errorf("%w: %d bytes, max %d", ErrBadPath, len(p), MaxPathLen)
	case strings.IndexByte(p, 0) >= 0:
		return fmt.Errorf("%w: %q contains NUL", ErrBadPath, p)
	case p[0] == '/':
		return fmt.Errorf("%w: %q is absolute", ErrBadPath, p)
	}
	for rest := p; ; {
		seg, tail, more := strings.Cut(rest, "/")
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q has an empty, \".\" or \"..\" segment", ErrBadPath, p)
		}
		if !more {
			return nil
		}
		rest = tail
	}
}

// validateEntry checks e against the rules documented on Entry.
func validateEntry(e *Entry) error {
	if err := ValidatePath(e.Path); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %q: %s", ErrBadEntry, e.Path, fmt.Sprintf(format, args...))
	}
	if err := validateAttrs(e.Attrs); err != nil {
		return bad("%v", err)
	}
	switch e.Type {
	case File:
		if e.Target != "" {
			return bad("file with a symlink target")
		}
		var sum int64
		for i, c := range e.Chunks {
			if c.Size == 0 {
				return bad("chunk %d has size 0", i)
			}
			sum += int64(c.Size)
		}
		if sum != e.Size {
			return bad("size %d but chunks sum to %d", e.Size, sum)
		}
	case Dir:
		if e.Size != 0 || len(e.Chunks) != 0 || e.Target != "" {
			return bad("directory with size, chunks or target")
		}
	case Symlink:
		switch {
		case e.Target == "" || len(e.Target) > MaxTargetLen || strings.IndexByte(e.Target, 0) >= 0:
			return bad("symlink target empty, too long or containing NUL")
		case len(e.Chunks) != 0 || e.Size != int64(len(e.Target)):
			return bad("symlink size must be len(target) and chunks empty")
		}
	default:
		return bad("type %v", e.Type)
	}
	return nil
}
