package s3backend

import (
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Sentinels of this package (besides the gateway's, which Backend methods
// return). Each wraps the model error the public API maps it to.
var (
	// ErrInvalidConfig: Config.Validate failed.
	ErrInvalidConfig = errors.New("s3backend: invalid config")
	// ErrConflict: the label moved during a commit, every retry included.
	ErrConflict = fmt.Errorf("s3backend: label moved during commit, retry: %w", model.ErrPrecondition)
	// ErrEmptyDraft: commit of a draft without entries.
	ErrEmptyDraft = fmt.Errorf("s3backend: draft is empty: %w", model.ErrInvalid)
	// ErrCorruptChunk: a chunk's length disagrees with the file's entry.
	ErrCorruptChunk = errors.New("s3backend: chunk length does not match the entry")
)
