package api

import (
	"context"
	"fmt"
	"sort"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Cluster: status and members need any authenticated key with read somewhere;
// removing a node needs a root key.

func (s *Server) clusterStatus(ctx context.Context, r *request) error {
	if err := r.requireAny(model.PermRead); err != nil {
		return err
	}
	st, err := s.cluster.MetaStatus(ctx)
	if err != nil {
		return fmt.Errorf("api: cluster status: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, st)
	return nil
}

func (s *Server) clusterMembers(_ context.Context, r *request) error {
	if err := r.requireAny(model.PermRead); err != nil {
		return err
	}
	ms := append([]MemberInfo{}, s.cluster.Members()...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	s.writeJSON(r.rc, fasthttp.StatusOK, ms)
	return nil
}

func (s *Server) removeNode(ctx context.Context, r *request) error {
	if err := r.requireRoot(); err != nil {
		return err
	}
	var req RemoveNodeRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if req.ID == "" {
		return fmt.Errorf("%w: node id is empty", model.ErrInvalid)
	}
	if d, ok := s.cluster.(Durability); ok && !req.Force {
		if err := d.CheckRemoval(ctx, req.ID); err != nil {
			return fmt.Errorf("api: remove node %q: %w", req.ID, err)
		}
	}
	if err := s.meta.RemoveNode(ctx, req.ID); err != nil {
		return fmt.Errorf("api: remove node %q: %w", req.ID, err)
	}
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}
