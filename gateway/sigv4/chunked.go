package sigv4

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"
)

// Content-SHA256 values that select an aws-chunked body.
const (
	StreamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	UnsignedPayload          = "UNSIGNED-PAYLOAD"
)

// MaxChunkSize bounds one aws-chunked chunk (clients use 8 KiB .. 1 MiB).
const MaxChunkSize = 64 << 20

const maxLine = 4096

// ChunkedConfig configures a chunked decoder.
type ChunkedConfig struct {
	// Signed: every chunk carries a chunk-signature chained from Seed.
	Signed bool
	Key    []byte // signing key (Signed only)
	Seed   string // signature of the request headers (Signed only)
	Time   time.Time
	Scope  Scope
	// Trailer is the x-amz-trailer header value (e.g. "x-amz-checksum-crc32"),
	// empty when no trailer is expected.
	Trailer string
}

// ChunkedReader decodes an aws-chunked body. Read returns the decoded
// payload; errors (bad framing, bad chunk signature, trailing checksum
// mismatch) are returned no later than the read that would return io.EOF.
type ChunkedReader struct {
	cfg      ChunkedConfig
	r        *bufio.Reader
	prevSig  string
	left     int64 // bytes left in the current chunk
	chunkSum hash.Hash
	chunkSig string
	sum      hash.Hash // trailer checksum over the decoded payload
	err      error
	trailers map[string]string
}

// NewChunkedReader wraps r. It fails when the trailer names an algorithm
// that cannot be verified.
func NewChunkedReader(r io.Reader, cfg ChunkedConfig) (*ChunkedReader, error) {
	c := &ChunkedReader{cfg: cfg, r: bufio.NewReaderSize(r, 64<<10), prevSig: cfg.Seed, left: -1}
	if cfg.Trailer != "" {
		name := strings.ToLower(strings.TrimSpace(cfg.Trailer))
		if strings.Contains(name, ",") || !strings.HasPrefix(name, "x-amz-checksum-") {
			return nil, fmt.Errorf("%w: %q", ErrUnsupportedTrailer, cfg.Trailer)
		}
		if c.sum = NewChecksum(name); c.sum == nil {
			return nil, fmt.Errorf("%w: %q", ErrUnsupportedTrailer, cfg.Trailer)
		}
		c.cfg.Trailer = name
	}
	return c, nil
}

// Trailers returns the trailing headers once the body has been read to EOF.
func (c *ChunkedReader) Trailers() map[string]string { return c.trailers }

// Read implements io.Reader.
func (c *ChunkedReader) Read(p []byte) (int, error) {
	for c.err == nil && c.left <= 0 {
		if c.left == 0 {
			c.err = c.endChunk()
		} else {
			c.err = c.startChunk()
		}
	}
	if c.err != nil {
		return 0, c.err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.chunkSum != nil {
		c.chunkSum.Write(p[:n])
	}
	if c.sum != nil {
		c.sum.Write(p[:n])
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

func (c *ChunkedReader) line() (string, error) {
	var b []byte
	for {
		frag, err := c.r.ReadSlice('\n')
		b = append(b, frag...)
		if len(b) > maxLine {
			return "", fmt.Errorf("%w: line too long", ErrMalformedChunk)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(b) == 0 {
				return "", io.EOF
			}
			return "", io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", err
		}
		s := string(b[:len(b)-1])
		return strings.TrimSuffix(s, "\r"), nil
	}
}

func (c *ChunkedReader) startChunk() error {
	ln, err := c.line()
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	sizeHex, ext, _ := strings.Cut(ln, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
	if err != nil || size < 0 || sizeHex == "" {
		return fmt.Errorf("%w: chunk size %q", ErrMalformedChunk, sizeHex)
	}
	if size > MaxChunkSize {
		return ErrChunkTooLarge
	}
	c.chunkSig = ""
	if c.cfg.Signed {
		k, v, ok := strings.Cut(ext, "=")
		if !ok || strings.TrimSpace(k) != "chunk-signature" || !IsHexSHA256(strings.TrimSpace(v)) {
			return fmt.Errorf("%w: chunk extension %q", ErrMalformedChunk, ext)
		}
		c.chunkSig = strings.ToLower(strings.TrimSpace(v))
		c.chunkSum = sha256.New()
	}
	c.left = size
	if size == 0 {
		return c.finish()
	}
	return nil
}

// endChunk consumes the CRLF after chunk data and checks the signature.
func (c *ChunkedReader) endChunk() error {
	if err := c.checkChunkSig(); err != nil {
		return err
	}
	ln, err := c.line()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	if ln != "" {
		return fmt.Errorf("%w: data after chunk", ErrMalformedChunk)
	}
	c.left = -1
	return nil
}

func (c *ChunkedReader) checkChunkSig() error {
	if !c.cfg.Signed {
		return nil
	}
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + c.cfg.Time.UTC().Format(AmzDateFormat) + "\n" +
		c.cfg.Scope.String() + "\n" + c.prevSig + "\n" + EmptySHA256 + "\n" + hex.EncodeToString(c.chunkSum.Sum(nil))
	want := Sign(c.cfg.Key, sts)
	if !Equal(want, c.chunkSig) {
		return ErrChunkSignature
	}
	c.prevSig = want
	return nil
}

// finish handles the final zero-length chunk and the trailer.
func (c *ChunkedReader) finish() error {
	if err := c.checkChunkSig(); err != nil {
		return err
	}
	c.trailers = map[string]string{}
	var canon strings.Builder
	var trailerSig string
	blanks := 0
	for {
		ln, err := c.line()
		if err == io.EOF {
			break // lenient: missing final CRLF
		}
		if err != nil {
			return err
		}
		if ln == "" {
			// minio-go writes "name:value\n\r\n" before the trailer signature.
			if c.cfg.Signed && c.cfg.Trailer != "" && trailerSig == "" && blanks < 2 {
				blanks++
				continue
			}
			break
		}
		k, v, ok := strings.Cut(ln, ":")
		if !ok {
			return fmt.Errorf("%w: trailer line %q", ErrMalformedChunk, ln)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if k == "x-amz-trailer-signature" {
			trailerSig = v
			continue
		}
		if len(c.trailers) >= 8 {
			return fmt.Errorf("%w: too many trailers", ErrMalformedChunk)
		}
		c.trailers[k] = v
		canon.WriteString(k + ":" + v + "\n")
	}
	if c.cfg.Trailer != "" {
		got, ok := c.trailers[c.cfg.Trailer]
		if !ok {
			return fmt.Errorf("%w: trailer %s missing", ErrMalformedChunk, c.cfg.Trailer)
		}
		if got != ChecksumValue(c.sum) {
			return fmt.Errorf("%w: %s", ErrTrailerChecksum, c.cfg.Trailer)
		}
		if c.cfg.Signed {
			h := sha256.Sum256([]byte(canon.String()))
			sts := "AWS4-HMAC-SHA256-TRAILER\n" + c.cfg.Time.UTC().Format(AmzDateFormat) + "\n" +
				c.cfg.Scope.String() + "\n" + c.prevSig + "\n" + hex.EncodeToString(h[:])
			if !Equal(Sign(c.cfg.Key, sts), trailerSig) {
				return ErrChunkSignature
			}
		}
	}
	return io.EOF
}
