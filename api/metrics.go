package api

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/valyala/fasthttp"
)

// metrics holds the API's Prometheus registry: request counters and
// durations by route and status, build info, and the node's own figures
// (Cluster.Metrics) exported through a collector at scrape time.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	seconds  *prometheus.CounterVec

	extra func() map[string]float64 // the node's figures, read at scrape time (nil: none)
}

var metricNameOK = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func newMetrics(version string, extra func() map[string]float64) *metrics {
	m := &metrics{
		extra: extra,
		reg:   prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "datamon_api_requests_total", Help: "API requests by route and status.",
		}, []string{"route", "status"}),
		seconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "datamon_api_request_seconds_total", Help: "Time spent serving API requests.",
		}, []string{"route"}),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "datamon_build_info", Help: "Build information.", ConstLabels: prometheus.Labels{"version": version},
	})
	info.Set(1)
	m.reg.MustRegister(m.requests, m.seconds, info, nodeCollector{m})
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.seconds.WithLabelValues(route).Add(d.Seconds())
}

// nodeCollector exports the node's figures (shard store, chunk service,
// durability) as they are at scrape time. Names ending in _total are
// counters, the rest gauges; invalid names are dropped.
type nodeCollector struct{ m *metrics }

func (nodeCollector) Describe(chan<- *prometheus.Desc) {} // unchecked collector: names vary by node

func (c nodeCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.extra == nil {
		return
	}
	for name, v := range c.m.extra() {
		if !metricNameOK.MatchString(name) {
			continue
		}
		kind := prometheus.GaugeValue
		if strings.HasSuffix(name, "_total") {
			kind = prometheus.CounterValue
		}
		desc := prometheus.NewDesc(name, "datamon node figure "+name+".", nil, nil)
		if mt, err := prometheus.NewConstMetric(desc, kind, v); err == nil {
			ch <- mt
		}
	}
}

func (s *Server) getMetrics(_ context.Context, r *request) error {
	mfs, err := s.metrics.reg.Gather()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	r.rc.Response.Header.SetContentType(string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	r.rc.SetStatusCode(fasthttp.StatusOK)
	r.rc.SetBody(b.Bytes())
	return nil
}
