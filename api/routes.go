package api

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/valyala/fasthttp"
)

type handlerFunc func(s *Server, ctx context.Context, r *request) error

// route is one method + path pattern. Pattern segments "{x}" are parameters.
type route struct {
	method     string
	name       string // the pattern, used as the metrics label
	parts      []string
	unsignedOK bool // body may be UNSIGNED-PAYLOAD
	chunkBody  bool // MaxChunkBody applies instead of MaxJSONBody
	handle     handlerFunc
}

func newRoute(method, pattern string, h handlerFunc) route {
	return route{method: method, name: pattern, parts: segments(pattern), handle: h}
}

const repoPath = "/v1/contexts/{ctx}/repos/{repo}"

// buildRoutes lists every route; literal segments win over parameters because
// literal routes come first.
func (s *Server) buildRoutes() []route {
	get, post, put, del := fasthttp.MethodGet, fasthttp.MethodPost, fasthttp.MethodPut, fasthttp.MethodDelete
	putChunk := newRoute(put, "/v1/chunks", (*Server).putChunk)
	putChunk.unsignedOK, putChunk.chunkBody = true, true
	putChunks := newRoute(post, "/v1/chunks/batch", (*Server).putChunks)
	putChunks.unsignedOK, putChunks.chunkBody = true, true
	return append([]route{
		newRoute(get, "/metrics", (*Server).getMetrics),
		newRoute(post, "/v1/contexts", (*Server).createContext),
		newRoute(get, "/v1/contexts", (*Server).listContexts),
		newRoute(get, "/v1/contexts/{ctx}", (*Server).getContext),
		newRoute(post, "/v1/contexts/{ctx}/repos", (*Server).createRepo),
		newRoute(get, "/v1/contexts/{ctx}/repos", (*Server).listRepos),
		newRoute(get, repoPath, (*Server).getRepo),
		newRoute(del, repoPath, (*Server).deleteRepo),
		newRoute(get, repoPath+"/bundles", (*Server).listBundles),
		newRoute(post, repoPath+"/bundles", (*Server).commitBundle),
		newRoute(get, repoPath+"/bundles/latest", (*Server).latestBundle),
		newRoute(get, repoPath+"/bundles/{id}", (*Server).getBundle),
		newRoute(get, repoPath+"/labels", (*Server).listLabels),
		newRoute(put, repoPath+"/labels/{label}", (*Server).setLabel),
		newRoute(get, repoPath+"/labels/{label}", (*Server).getLabel),
		newRoute(get, repoPath+"/labels/{label}/history", (*Server).labelHistory),
		putChunk,
		putChunks,
		newRoute(post, "/v1/chunks/has", (*Server).hasChunks),
		newRoute(get, "/v1/chunks/{id}", (*Server).getChunk),
		newRoute(get, "/v1/cluster/status", (*Server).clusterStatus),
		newRoute(get, "/v1/cluster/members", (*Server).clusterMembers),
		newRoute(post, "/v1/cluster/remove-node", (*Server).removeNode),
	}, slices.Concat(
		durabilityRoutes(), // handlers_durability.go
		draftRoutes(),      // handlers_draft.go
		squashRoutes(),     // handlers_squash.go
		repoAdminRoutes(),  // handlers_repo_admin.go
		identityRoutes(),   // handlers_identity.go, handlers_keys.go
		auditRoutes(),      // handlers_audit.go
		runRoutes(),        // handlers_runs.go, handlers_runs_change.go
		fileRoutes(),       // handlers_files.go, files_assemble.go
	)...)
}

// match finds the route for method and path. A path that matches some
// pattern with another method gives ErrMethod (and that route, for metrics).
func (s *Server) match(method, path string) (*route, []string, error) {
	segs := segments(path)
	var other *route
	for i := range s.routes {
		rt := &s.routes[i]
		params, ok := matchParts(rt.parts, segs)
		if !ok {
			continue
		}
		if rt.method == method {
			return rt, params, nil
		}
		if other == nil {
			other = rt
		}
	}
	if other != nil {
		return other, nil, fmt.Errorf("%w: %s %s", ErrMethod, method, path)
	}
	return nil, nil, fmt.Errorf("%w: %s %s", ErrRoute, method, path)
}

func matchParts(parts, segs []string) ([]string, bool) {
	if len(parts) != len(segs) {
		return nil, false
	}
	var params []string
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params = append(params, segs[i])
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// Route is one route of the API as the router matches it (RouteTable).
type Route struct {
	Method  string
	Pattern string // "/v1/contexts/{ctx}/repos/{repo}": "{x}" is a parameter
	// UnsignedBody: the body may be signed as UNSIGNED-PAYLOAD (chunk uploads).
	UnsignedBody bool
}

// RouteTable lists every route the router serves, in match order, plus
// GET /healthz, /livez and /readyz (answered before routing, for any
// caller; probes.go). Authorization is
// decided by each handler; tests that must cover every route (the auth
// matrix) enumerate them here. Paths under a Mount prefix (e.g. "/lfs/")
// belong to the mounted handler and are not listed.
func RouteTable() []Route {
	rs := new(Server).buildRoutes()
	out := make([]Route, 0, len(rs)+3)
	for _, p := range []string{PathHealthz, PathLivez, PathReadyz} {
		out = append(out, Route{Method: fasthttp.MethodGet, Pattern: p})
	}
	for _, r := range rs {
		out = append(out, Route{Method: r.method, Pattern: r.name, UnsignedBody: r.unsignedOK})
	}
	return out
}
