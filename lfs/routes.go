package lfs

import "strings"

// Route describes one route of the LFS API, for documentation and for
// tests that must cover every route (the auth matrix, e2e). It is a
// read-only view of the table the server dispatches with.
type Route struct {
	Method string
	// Pattern is the path below Prefix + "<context>/<repo>/", segments
	// in braces matching any one segment (an empty one too: the handler
	// refuses it with a clear error): "objects/{oid}".
	Pattern string
	// Op names the operation (audit records, errors).
	Op string
	// Perm is the permission on the repo the route requires: "read",
	// "write" or "admin"; batch needs read for a download and write for an
	// upload ("read|write"); unlock with force needs admin ("write|admin").
	Perm string
	// Transfer marks the routes a batch action's href names: they accept
	// the action's transfer token as well as credentials.
	Transfer bool
}

// route is one row of the dispatch table; json says whether the body is a
// bounded JSON document to buffer (transfers stream theirs).
type route struct {
	Route
	segs []string
	json bool
	h    handler
}

func row(method, pattern, op, perm string, transfer, json bool, h handler) route {
	return route{Route: Route{Method: method, Pattern: pattern, Op: op, Perm: perm, Transfer: transfer},
		segs: strings.Split(pattern, "/"), json: json, h: h}
}

// routes is the dispatch table, in match order: the first row whose
// method and pattern match serves the request.
var routes = []route{
	row("POST", "objects/batch", "batch", "read|write", false, true, (*Server).batch),
	row("POST", "objects/verify", "verify", "write", true, true, (*Server).verify),
	row("PUT", "objects/{oid}", "upload", "write", true, false, (*Server).upload),
	row("GET", "objects/{oid}", "download", "read", true, false, (*Server).download),
	row("HEAD", "objects/{oid}", "download", "read", true, false, (*Server).download),
	row("POST", "locks", "lock", "write", false, true, (*Server).createLock),
	row("GET", "locks", "locks", "read", false, true, (*Server).listLocks),
	row("POST", "locks/verify", "locks-verify", "write", false, true, (*Server).verifyLocks),
	row("POST", "locks/{id}/unlock", "unlock", "write|admin", false, true, (*Server).unlock),
	row("GET", "datamon/objects", "objects", "read", false, true, (*Server).listObjects),
	row("POST", "datamon/objects/delete", "delete-objects", "admin", false, true, (*Server).deleteObjects),
}

// Routes lists every route the server serves, in match order (a copy).
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, r := range routes {
		out[i] = r.Route
	}
	return out
}

// match reports whether rest (the path segments after the repo) fits the
// row's pattern.
func (r *route) match(method string, rest []string) bool {
	if method != r.Method || len(rest) != len(r.segs) {
		return false
	}
	for i, s := range r.segs {
		if !strings.HasPrefix(s, "{") && rest[i] != s {
			return false
		}
	}
	return true
}

// lookup picks the row serving method and rest (nil when none does).
func lookup(method string, rest []string) *route {
	for i := range routes {
		if routes[i].match(method, rest) {
			return &routes[i]
		}
	}
	return nil
}
