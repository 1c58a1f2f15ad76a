package manifest

import (
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Sentinel errors. The input errors wrap model.ErrInvalid and ErrNotFound
// wraps model.ErrNotFound, so API layers map them without knowing this package.
var (
	// ErrBadPath: a path breaks ValidatePath's rules.
	ErrBadPath = fmt.Errorf("manifest: bad path: %w", model.ErrInvalid)
	// ErrBadEntry: an entry's type, size, chunks or target are inconsistent.
	ErrBadEntry = fmt.Errorf("manifest: bad entry: %w", model.ErrInvalid)
	// ErrUnsorted: Writer.Add got a path not greater than the previous one.
	ErrUnsorted = fmt.Errorf("manifest: entries out of order: %w", model.ErrInvalid)
	// ErrBadConfig: a WriterConfig field is out of range.
	ErrBadConfig = fmt.Errorf("manifest: bad writer config: %w", model.ErrInvalid)
	// ErrNotFound: Lookup found no entry with that path.
	ErrNotFound = fmt.Errorf("manifest: entry %w", model.ErrNotFound)
	// ErrCorrupt: a page failed to decode, its content does not match its ID,
	// or it disagrees with the reference that led to it.
	ErrCorrupt = errors.New("manifest: corrupt page")
	// ErrClosed: the Writer was already closed.
	ErrClosed = errors.New("manifest: writer closed")
	// SkipAll, returned by a Walk callback, stops the walk without error.
	SkipAll = errors.New("manifest: skip all")
)
