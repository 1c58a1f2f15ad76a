package lfs

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// download answers GET …/objects/<oid>: the object's chunks in order, each
// verified against its ID by the chunk service, ReadAhead fetched ahead.
func (s *Server) download(ctx context.Context, r *req) error {
	oid := r.rest[1]
	if !model.ValidLFSOID(oid) {
		return fmt.Errorf("%w: invalid OID %q", ErrBadRequest, oid)
	}
	if _, _, err := s.transferAuth(ctx, r, "download", oid, model.PermRead); err != nil {
		return err
	}
	o, err := s.meta.GetLFSObject(ctx, r.context, r.repo, oid)
	if err != nil {
		return err
	}
	r.rc.Response.Header.SetContentType("application/octet-stream")
	if string(r.rc.Method()) == fasthttp.MethodHead {
		r.rc.Response.Header.Set("Content-Length", strconv.FormatInt(o.Size, 10))
		return nil
	}
	// The body is sent after the handler returns: the stream has its own
	// deadline and stops on Close.
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.TransferTimeout)
	r.rc.Response.SetBodyStream(newObjectReader(sctx, cancel, s.chunks, o.Chunks, s.cfg.ReadAhead), int(o.Size))
	return nil
}

type fetched struct {
	data []byte
	err  error
}

// objectReader streams chunks in order, fetching up to ahead of them
// concurrently.
type objectReader struct {
	cancel  context.CancelFunc
	pending chan chan fetched
	cur     []byte
	err     error
}

func newObjectReader(ctx context.Context, cancel context.CancelFunc, g Chunks, chunks []model.LFSChunk, ahead int) *objectReader {
	or := &objectReader{cancel: cancel, pending: make(chan chan fetched, ahead)}
	go func() {
		defer close(or.pending)
		for _, c := range chunks {
			f := make(chan fetched, 1)
			select {
			case or.pending <- f:
			case <-ctx.Done():
				return
			}
			go func(id chunk.ID, size uint32) {
				b, err := g.Get(ctx, id)
				if err == nil && len(b) != int(size) {
					err = fmt.Errorf("lfs: chunk %s has %d bytes, the object says %d", id, len(b), size)
				}
				f <- fetched{b, err}
			}(c.ID, c.Size)
		}
	}()
	return or
}

func (o *objectReader) Read(p []byte) (int, error) {
	for len(o.cur) == 0 {
		if o.err != nil {
			return 0, o.err
		}
		f, ok := <-o.pending
		if !ok {
			o.err = io.EOF
			continue
		}
		got := <-f
		if got.err != nil {
			o.err = fmt.Errorf("lfs: read object: %w", got.err)
			continue
		}
		o.cur = got.data
	}
	n := copy(p, o.cur)
	o.cur = o.cur[n:]
	return n, nil
}

// Close stops the fetches.
func (o *objectReader) Close() error {
	o.cancel()
	return nil
}
