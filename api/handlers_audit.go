package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

func auditRoutes() []route {
	return []route{newRoute(fasthttp.MethodGet, "/v1/audit", (*Server).listAudit)}
}

// listAudit answers GET /v1/audit?since=&until=&user=&key=&repo=&refused=&limit=
// from this node's audit log (cluster admin only): {"node", "records",
// "truncated"}. The client asks every node and merges.
func (s *Server) listAudit(ctx context.Context, r *request) error {
	if err := r.requireRoot(); err != nil {
		return err
	}
	if s.cfg.Audit == nil {
		return fmt.Errorf("%w: this node keeps no audit log", ErrRoute)
	}
	q, err := audit.ParseQuery(queryValues(r.rc))
	if err != nil {
		return fmt.Errorf("%w: %w", model.ErrInvalid, err)
	}
	res, err := s.cfg.Audit.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("api: audit query: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, res)
	return nil
}
