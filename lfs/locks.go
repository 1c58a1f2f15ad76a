package lfs

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// createLock answers POST …/locks (write grant): 201 with the lock, or 409
// with the lock that holds the path.
func (s *Server) createLock(ctx context.Context, r *req) error {
	if err := s.authenticate(ctx, r); err != nil {
		return err
	}
	lc, err := ParseLockCreate(r.rc.Request.Body())
	if err != nil {
		return err
	}
	if err := r.require(model.PermWrite); err != nil {
		return err
	}
	if err := s.requireRepo(ctx, r); err != nil {
		return err
	}
	l := model.LFSLock{Path: lc.Path, Owner: owner(r.key)}
	if lc.Ref != nil {
		l.Ref = lc.Ref.Name
	}
	got, err := s.meta.CreateLFSLock(r.stamp(ctx), r.context, r.repo, l)
	if errors.Is(err, model.ErrExists) {
		cur, gerr := s.meta.LFSLockByPath(ctx, r.context, r.repo, lc.Path)
		if gerr == nil {
			w := wireLock(cur)
			s.reply(r.rc, fasthttp.StatusConflict, LockAnswer{Lock: &w, Message: "already created lock"})
			return nil
		}
	}
	if err != nil {
		return err
	}
	w := wireLock(got)
	s.reply(r.rc, fasthttp.StatusCreated, LockAnswer{Lock: &w})
	return nil
}

// listLocks answers GET …/locks (read grant), filtered by path or id, paged
// by cursor (the last lock ID of the previous page).
func (s *Server) listLocks(ctx context.Context, r *req) error {
	if err := s.authenticate(ctx, r); err != nil {
		return err
	}
	q, err := ParseLockQuery(func(k string) string { return string(r.rc.QueryArgs().Peek(k)) }, s.cfg.MaxLockPage)
	if err != nil {
		return err
	}
	if err := r.require(model.PermRead); err != nil {
		return err
	}
	if err := s.requireRepo(ctx, r); err != nil {
		return err
	}
	stale := s.cfg.Stale(ctx)
	out := LockList{Locks: []Lock{}}
	var one model.LFSLock
	switch {
	case q.Path != "":
		one, err = s.meta.LFSLockByPath(stale, r.context, r.repo, q.Path)
	case q.ID != "":
		one, err = s.meta.GetLFSLock(stale, r.context, r.repo, q.ID)
	default:
		ls, next, err := s.page(stale, r, q.Cursor, q.Limit)
		if err != nil {
			return err
		}
		for _, l := range ls {
			out.Locks = append(out.Locks, wireLock(l))
		}
		out.NextCursor = next
		s.reply(r.rc, fasthttp.StatusOK, out)
		return nil
	}
	switch {
	case errors.Is(err, model.ErrNotFound):
	case err != nil:
		return err
	case q.ID != "" && q.Path != "" && one.Path != q.Path:
	default:
		out.Locks = append(out.Locks, wireLock(one))
	}
	s.reply(r.rc, fasthttp.StatusOK, out)
	return nil
}

// page reads one page of locks after cursor; next is set when more follow.
func (s *Server) page(ctx context.Context, r *req, cursor string, limit int) ([]model.LFSLock, string, error) {
	if limit == 0 {
		limit = s.cfg.LockPage
	}
	ls, err := s.meta.ListLFSLocks(ctx, r.context, r.repo, cursor, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ls) > limit {
		ls = ls[:limit]
		next = ls[limit-1].ID
	}
	return ls, next, nil
}

// verifyLocks answers POST …/locks/verify (write grant: git-lfs asks before
// a push): the page's locks split into the caller's and everyone else's.
func (s *Server) verifyLocks(ctx context.Context, r *req) error {
	if err := s.authenticate(ctx, r); err != nil {
		return err
	}
	v, err := ParseLockVerify(r.rc.Request.Body(), s.cfg.MaxLockPage)
	if err != nil {
		return err
	}
	if err := r.require(model.PermWrite); err != nil {
		return err
	}
	if err := s.requireRepo(ctx, r); err != nil {
		return err
	}
	ls, next, err := s.page(s.cfg.Stale(ctx), r, v.Cursor, v.Limit)
	if err != nil {
		return err
	}
	out := VerifyList{Ours: []Lock{}, Theirs: []Lock{}, NextCursor: next}
	me := owner(r.key)
	for _, l := range ls {
		if l.Owner == me {
			out.Ours = append(out.Ours, wireLock(l))
		} else {
			out.Theirs = append(out.Theirs, wireLock(l))
		}
	}
	s.reply(r.rc, fasthttp.StatusOK, out)
	return nil
}

// unlock answers POST …/locks/<id>/unlock (write grant): the caller's own
// lock, or anyone's with force, which needs admin on the repo.
func (s *Server) unlock(ctx context.Context, r *req) error {
	if err := s.authenticate(ctx, r); err != nil {
		return err
	}
	id := r.rest[1]
	if !validLockID(id) {
		return fmt.Errorf("%w: lock id %q", model.ErrNotFound, id)
	}
	u, err := ParseUnlock(r.rc.Request.Body())
	if err != nil {
		return err
	}
	if err := r.require(model.PermWrite); err != nil {
		return err
	}
	if err := s.requireRepo(ctx, r); err != nil {
		return err
	}
	if u.Force {
		if err := r.require(model.PermAdmin); err != nil {
			return fmt.Errorf("%w (unlock --force)", err)
		}
	}
	got, err := s.meta.DeleteLFSLock(r.stamp(ctx), r.context, r.repo, id, owner(r.key), u.Force)
	if err != nil {
		return err
	}
	w := wireLock(got)
	s.reply(r.rc, fasthttp.StatusOK, LockAnswer{Lock: &w})
	return nil
}
