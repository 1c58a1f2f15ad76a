package chunk

import "errors"

// ErrBadConfig is returned by ChunkerConfig.Validate and NewChunker for
// sizes outside the supported range.
var ErrBadConfig = errors.New("chunk: bad chunker config")
