package chunk

import (
	"hash"
	"io"
)

// HashReader passes R through, feeding every byte read into H and counting
// them in N: the whole-body digest (S3's MD5, Git LFS's SHA-256) and size
// that StoreStream's callers check after cutting the body into chunks.
type HashReader struct {
	R io.Reader
	H hash.Hash
	N int64
}

func (h *HashReader) Read(p []byte) (int, error) {
	n, err := h.R.Read(p)
	h.N += int64(n)
	h.H.Write(p[:n])
	return n, err
}
