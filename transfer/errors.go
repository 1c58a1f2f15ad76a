package transfer

import (
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Sentinel errors. Input errors wrap model.ErrInvalid so callers can map them
// without knowing this package.
var (
	// ErrBadConfig: a Config or options field is out of range or missing.
	ErrBadConfig = fmt.Errorf("transfer: bad config: %w", model.ErrInvalid)
	// ErrDestNotEmpty: a download destination holds files and Force is off.
	ErrDestNotEmpty = errors.New("transfer: destination is not empty")
	// ErrUnsafePath: a manifest path or a destination component would make a
	// write land outside the destination (absolute, "..", through a symlink,
	// or through a non-directory).
	ErrUnsafePath = fmt.Errorf("transfer: unsafe path: %w", model.ErrInvalid)
	// ErrBadFileList: a --files list line is not a valid relative path.
	ErrBadFileList = fmt.Errorf("transfer: bad file list: %w", model.ErrInvalid)
	// ErrSourceFile: a source file could not be read (skipped with SkipOnError).
	ErrSourceFile = errors.New("transfer: cannot read source file")
	// ErrNotRegular: DownloadFile was asked for a path that is not a file or symlink.
	ErrNotRegular = fmt.Errorf("transfer: not a file: %w", model.ErrInvalid)
)
