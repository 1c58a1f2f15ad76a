package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// body returns the verified, decoded request body and its size. The reader
// fails (instead of returning io.EOF) when the body is short, too long, or
// any payload hash, chunk signature or checksum does not match; it detects
// all of these no later than the read that returns the last byte, so a
// backend that reads exactly size bytes still sees the error.
func (r *req) body() (io.Reader, int64, error) { return r.bodyOpts(true) }

// bodyOpts is body; checksums false ignores x-amz-checksum-* headers (on
// CompleteMultipartUpload they describe the object, not the request body).
func (r *req) bodyOpts(checksums bool) (io.Reader, int64, error) {
	var raw io.Reader
	if st := r.c.RequestBodyStream(); st != nil {
		raw = st
	} else {
		raw = bytes.NewReader(r.c.Request.Body())
	}
	cl := int64(r.c.Request.Header.ContentLength())
	raw = &ioErrReader{r: raw, left: cl}
	payload := r.auth.payload
	r.s.log.Debug("gateway: body", "req", r.reqID, "payload", payload, "trailer", r.header("X-Amz-Trailer"), "content_length", cl)
	var (
		rd   io.Reader
		size int64
	)
	switch payload {
	case sigv4.StreamingSigned, sigv4.StreamingSignedTrailer, sigv4.StreamingUnsignedTrailer:
		dl := r.header("X-Amz-Decoded-Content-Length")
		n, err := strconv.ParseInt(dl, 10, 64)
		if err != nil || n < 0 {
			return nil, 0, errMissingLength
		}
		size = n
		cfg := sigv4.ChunkedConfig{
			Signed: payload != sigv4.StreamingUnsignedTrailer,
			Key:    r.auth.key, Seed: r.auth.seed, Time: r.auth.time, Scope: r.auth.scope,
			Trailer: r.header("X-Amz-Trailer"),
		}
		if payload == sigv4.StreamingSigned {
			cfg.Trailer = ""
		}
		cr, err := sigv4.NewChunkedReader(raw, cfg)
		if err != nil {
			return nil, 0, errf(400, "InvalidRequest", err.Error())
		}
		rd = cr
		r.chunked = cr
	default:
		if cl < 0 {
			return nil, 0, errMissingLength
		}
		size = cl
		rd = raw
		switch {
		case payload == sigv4.UnsignedPayload:
		case sigv4.IsHexSHA256(payload):
			rd = &verifyReader{r: rd, h: sha256.New(), want: strings.ToLower(payload), hexSum: true, err: ErrContentSHA256Mismatch}
		default:
			return nil, 0, errf(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or a hex SHA-256")
		}
	}
	if size > r.s.cfg.MaxObjectSize {
		return nil, 0, ErrEntityTooLarge
	}
	for k := range r.c.Request.Header.All() {
		if !checksums {
			break
		}
		name := strings.ToLower(string(k))
		if a, ok := strings.CutPrefix(name, "x-amz-checksum-"); ok && a != "algorithm" && a != "type" && a != "mode" && sigv4.NewChecksum(a) == nil {
			return nil, 0, errf(501, "NotImplemented", "checksum "+name+" cannot be verified")
		}
	}
	for _, algo := range sigv4.ChecksumAlgos() {
		if v := r.header("X-Amz-Checksum-" + algo); v != "" && checksums {
			rd = &verifyReader{r: rd, h: sigv4.NewChecksum(algo), want: v, err: fmt.Errorf("%w: x-amz-checksum-%s", ErrBadDigest, algo)}
		}
	}
	return &exactReader{r: rd, left: size}, size, nil
}

// echoChecksums answers the verified x-amz-checksum-* values (header or
// trailer) of a stored body, as S3 does on PutObject and UploadPart.
func (r *req) echoChecksums() {
	h := &r.c.Response.Header
	for _, a := range sigv4.ChecksumAlgos() {
		v := r.header("X-Amz-Checksum-" + a)
		if v == "" && r.chunked != nil {
			v = r.chunked.Trailers()["x-amz-checksum-"+a]
		}
		if v != "" {
			h.Set("x-amz-checksum-"+a, v)
			h.Set("x-amz-checksum-type", "FULL_OBJECT")
		}
	}
}

// smallBody reads a whole request body of at most limit bytes (XML requests).
func (r *req) smallBody(limit int64, checksums bool) ([]byte, error) {
	rd, size, err := r.bodyOpts(checksums)
	if err != nil {
		return nil, err
	}
	if size > limit {
		return nil, errf(400, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	return io.ReadAll(rd)
}

// ioErrReader turns a connection that ends early (before Content-Length
// bytes when left >= 0) into ErrIncompleteBody.
type ioErrReader struct {
	r    io.Reader
	left int64 // < 0: unknown (chunked transfer encoding)
}

func (e *ioErrReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if e.left >= 0 {
		e.left -= int64(n)
		if err == io.EOF && e.left > 0 {
			err = ErrIncompleteBody
		}
	}
	if err != nil && err != io.EOF && !errors.Is(err, ErrIncompleteBody) {
		err = fmt.Errorf("%w: %v", ErrIncompleteBody, err)
	}
	return n, err
}

// verifyReader hashes what passes and compares at EOF.
type verifyReader struct {
	r      io.Reader
	h      hash.Hash
	want   string
	hexSum bool
	err    error
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		var got string
		if v.hexSum {
			got = hex.EncodeToString(v.h.Sum(nil))
		} else {
			got = sigv4.ChecksumValue(v.h)
		}
		if got != v.want {
			return n, v.err
		}
	}
	return n, err
}

// exactReader delivers exactly left bytes. Before handing out the last
// byte it reads on to the end of the underlying stream, so trailing
// verification errors (and extra data) surface in place of the last bytes.
type exactReader struct {
	r    io.Reader
	left int64
	err  error
}

var errBodyTooLong = errf(400, "IncompleteBody", "The request body is longer than the declared length.")

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.left == 0 {
		if e.err = e.probe(); e.err != nil {
			return 0, e.err
		}
		e.err = io.EOF
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		err = ErrIncompleteBody
	}
	if err == nil && e.left == 0 {
		err = e.probe()
		if err == nil {
			e.err = io.EOF
			return n, nil
		}
	}
	if err != nil && err != io.EOF {
		e.err = err
		return 0, err // never hand out data together with a failure
	}
	return n, err
}

// probe reads the underlying stream to its end expecting no more data.
func (e *exactReader) probe() error {
	var b [1]byte
	for {
		n, err := e.r.Read(b[:])
		if n > 0 {
			return errBodyTooLong
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
