package lfs

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// ObjectPage answers GET …/datamon/objects: objects with their chunk lists
// (what `datamon lfs snapshot` and `lfs gc` read).
type ObjectPage struct {
	Objects []model.LFSObject `json:"objects"`
	Next    string            `json:"next,omitempty"`
}

// DeleteRequest is POST …/datamon/objects/delete.
type DeleteRequest struct {
	OIDs []string `json:"oids"`
	// Before: only objects created before it go (zero: any age).
	Before time.Time `json:"before,omitzero"`
}

// DeleteAnswer counts the objects deleted.
type DeleteAnswer struct {
	Deleted int `json:"deleted"`
}

// maxObjectPage bounds one page of ListObjects.
const maxObjectPage = 1000

// listObjects answers GET …/datamon/objects?after=&limit=&oid= (read grant).
func (s *Server) listObjects(ctx context.Context, r *req) error {
	if err := s.authenticate(ctx, r); err != nil {
		return err
	}
	q := r.rc.QueryArgs()
	after, oid := string(q.Peek("after")), string(q.Peek("oid"))
	limit := 100
	if v := string(q.Peek("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxObjectPage {
			return fmt.Errorf("%w: limit %q (1 to %d)", ErrBadRequest, v, maxObjectPage)
		}
		limit = n
	}
	if (after != "" && !model.ValidLFSOID(after)) || (oid != "" && !model.ValidLFSOID(oid)) {
		return fmt.Errorf("%w: OIDs are 64 lowercase hex digits", ErrBadRequest)
	}
	if err := r.require(model.PermRead); err != nil {
		return err
	}
	if err := s.requireRepo(ctx, r); err != nil {
		return err
	}
	stale := s.cfg.Stale(ctx)
	if oid != "" {
		o, err := s.meta.GetLFSObject(stale, r.context, r.repo, oid)
		if err != nil {
			return err
		}
		s.reply(r.rc, fasthttp.StatusOK, ObjectPage{Objects: []model.LFSObject{o}})
		return nil
	}
	os, err := s.meta.ListLFSObjects(stale, r.context, r.repo, after, limit+1)
	if err != nil {
		return err
	}
	out := ObjectPage{Objects: os}
	if len(os) > limit {
		out.Objects = os[:limit]
		out.Next = os[limit-1].OID
	}
	s.reply(r.rc, fasthttp.StatusOK, out)
	return nil
}

// deleteObjects answers POST …/datamon/objects/delete (admin grant).
func (s *Server) deleteObjects(ctx context.Context, r *req) error {
	if err := s.authenticate(ctx, r); err != nil {
		return err
	}
	var d DeleteRequest
	if err := decodeStrict(r.rc.Request.Body(), &d); err != nil {
		return err
	}
	if err := r.require(model.PermAdmin); err != nil {
		return err
	}
	if err := s.requireRepo(ctx, r); err != nil {
		return err
	}
	n, err := s.meta.DeleteLFSObjects(r.stamp(ctx), r.context, r.repo, d.OIDs, d.Before)
	if err != nil {
		return err
	}
	s.reply(r.rc, fasthttp.StatusOK, DeleteAnswer{Deleted: n})
	return nil
}
