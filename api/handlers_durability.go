package api

import (
	"context"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Durability routes: status needs read somewhere; everything else a root key.

func (s *Server) durability() (Durability, error) {
	d, ok := s.cluster.(Durability)
	if !ok {
		return nil, fmt.Errorf("%w: durability service not running", ErrRoute)
	}
	return d, nil
}

func (s *Server) durabilityStatus(ctx context.Context, r *request) error {
	if err := r.requireAny(model.PermRead); err != nil {
		return err
	}
	d, err := s.durability()
	if err != nil {
		return err
	}
	st, err := d.DurabilityStatus(ctx)
	if err != nil {
		return fmt.Errorf("api: durability status: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, st)
	return nil
}

func (s *Server) fsck(ctx context.Context, r *request) error {
	if err := r.requireRoot(); err != nil {
		return err
	}
	d, err := s.durability()
	if err != nil {
		return err
	}
	var req FsckRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	rep, ok, err := d.Fsck(ctx, req)
	if err != nil {
		return fmt.Errorf("api: fsck: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, FsckResponse{OK: ok, Report: rep})
	return nil
}

func (s *Server) gc(ctx context.Context, r *request) error {
	if err := r.requireRoot(); err != nil {
		return err
	}
	d, err := s.durability()
	if err != nil {
		return err
	}
	var req GCRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if req.Grace != "" {
		if _, err := time.ParseDuration(req.Grace); err != nil {
			return fmt.Errorf("%w: grace %q: %v", model.ErrInvalid, req.Grace, err)
		}
	}
	rep, err := d.GC(ctx, req)
	if err != nil {
		return fmt.Errorf("api: gc: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, rep)
	return nil
}

// nodeRequest checks the root key and decodes a DrainRequest naming a node.
func (s *Server) nodeRequest(r *request) (Durability, DrainRequest, error) {
	if err := r.requireRoot(); err != nil {
		return nil, DrainRequest{}, err
	}
	d, err := s.durability()
	if err != nil {
		return nil, DrainRequest{}, err
	}
	var req DrainRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return nil, DrainRequest{}, err
	}
	if req.ID == "" {
		return nil, DrainRequest{}, fmt.Errorf("%w: node id is empty", model.ErrInvalid)
	}
	return d, req, nil
}

func (s *Server) drainNode(ctx context.Context, r *request) error {
	d, req, err := s.nodeRequest(r)
	if err != nil {
		return err
	}
	id := req.ID
	if !req.Force {
		if err := d.CheckDrain(ctx, id); err != nil {
			return fmt.Errorf("api: drain %q: %w", id, err)
		}
	}
	if err := d.DrainNode(ctx, id); err != nil {
		return fmt.Errorf("api: drain %q: %w", id, err)
	}
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}

func (s *Server) undrainNode(ctx context.Context, r *request) error {
	d, req, err := s.nodeRequest(r)
	if err != nil {
		return err
	}
	id := req.ID
	capacity, err := d.UndrainNode(ctx, id)
	if err != nil {
		return fmt.Errorf("api: undrain %q: %w", id, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, UndrainResponse{ID: id, Capacity: capacity})
	return nil
}

func (s *Server) setRepairRate(ctx context.Context, r *request) error {
	if err := r.requireRoot(); err != nil {
		return err
	}
	d, err := s.durability()
	if err != nil {
		return err
	}
	var req RepairRateRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if err := d.SetRepairRate(ctx, req.BytesPerSec); err != nil {
		return fmt.Errorf("api: repair rate: %w", err)
	}
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}

// durabilityRoutes are appended to buildRoutes' list.
func durabilityRoutes() []route {
	get, post, put := fasthttp.MethodGet, fasthttp.MethodPost, fasthttp.MethodPut
	return []route{
		newRoute(get, "/v1/cluster/durability", (*Server).durabilityStatus),
		newRoute(post, "/v1/cluster/fsck", (*Server).fsck),
		newRoute(post, "/v1/cluster/drain", (*Server).drainNode),
		newRoute(post, "/v1/cluster/undrain", (*Server).undrainNode),
		newRoute(put, "/v1/cluster/repair-rate", (*Server).setRepairRate),
		newRoute(post, "/v1/gc", (*Server).gc),
	}
}
