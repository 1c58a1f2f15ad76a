package api

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// metrics counts requests by route and status, and their total duration.
type metrics struct {
	mu       sync.Mutex
	requests map[reqKey]uint64
	seconds  map[string]float64
	nameOK   *regexp.Regexp
}

type reqKey struct {
	route  string
	status int
}

func newMetrics() *metrics {
	return &metrics{
		requests: map[reqKey]uint64{},
		seconds:  map[string]float64{},
		nameOK:   regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`),
	}
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.mu.Lock()
	m.requests[reqKey{route, status}]++
	m.seconds[route] += d.Seconds()
	m.mu.Unlock()
}

// write renders the Prometheus text exposition format.
func (m *metrics) write(b *strings.Builder, version string, extra map[string]float64) {
	m.mu.Lock()
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].status < keys[j].status
	})
	fmt.Fprintf(b, "# HELP datamon_build_info Build information.\n# TYPE datamon_build_info gauge\n")
	fmt.Fprintf(b, "datamon_build_info{version=%q} 1\n", version)
	fmt.Fprintf(b, "# HELP datamon_api_requests_total API requests by route and status.\n# TYPE datamon_api_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(b, "datamon_api_requests_total{route=%q,status=\"%d\"} %d\n", k.route, k.status, m.requests[k])
	}
	routes := make([]string, 0, len(m.seconds))
	for r := range m.seconds {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Fprintf(b, "# HELP datamon_api_request_seconds_total Time spent serving API requests.\n# TYPE datamon_api_request_seconds_total counter\n")
	for _, r := range routes {
		fmt.Fprintf(b, "datamon_api_request_seconds_total{route=%q} %g\n", r, m.seconds[r])
	}
	m.mu.Unlock()
	names := make([]string, 0, len(extra))
	for n := range extra {
		if m.nameOK.MatchString(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(b, "# TYPE %s untyped\n%s %g\n", n, n, extra[n])
	}
}

func (s *Server) getMetrics(_ context.Context, r *request) error {
	var b strings.Builder
	var extra map[string]float64
	if s.cluster != nil {
		extra = s.cluster.Metrics()
	}
	s.metrics.write(&b, s.cfg.Version, extra)
	r.rc.Response.Header.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	r.rc.SetStatusCode(fasthttp.StatusOK)
	r.rc.SetBodyString(b.String())
	return nil
}
