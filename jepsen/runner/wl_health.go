package runner

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
)

// NewHealthWorkload returns a product-agnostic workload: each client polls
// GET /healthz on a rotating node. It has no safety checker (only the
// runner's liveness floors) and exists to drive real nodes through the
// nemeses before the product workloads are wired.
func NewHealthWorkload() WorkloadFactory {
	return func(env WorkloadEnv) (Workload, error) {
		return &healthWL{env: env, c: &http.Client{Transport: &http.Transport{DialContext: env.Dial, DisableKeepAlives: true}}}, nil
	}
}

type healthWL struct {
	env WorkloadEnv
	c   *http.Client
}

func (w *healthWL) Name() string { return "health" }

func (w *healthWL) probe(ctx context.Context, p, i int, h *history.History) error {
	nodes := w.env.Cluster.Nodes()
	n := nodes[i%len(nodes)]
	hd := h.Call(p, "health", n.ID(), nil)
	octx, cancel := context.WithTimeout(ctx, w.env.OpTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(octx, http.MethodGet, "http://"+n.Endpoints().API+"/healthz", nil)
	resp, err := w.c.Do(req)
	if err != nil {
		hd.Fail(nil, err)
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("healthz %d", resp.StatusCode)
		hd.Fail(nil, err)
		return err
	}
	hd.Ok(nil)
	return nil
}

func (w *healthWL) Client(ctx context.Context, p int, h *history.History) {
	for i := p; ctx.Err() == nil; i++ {
		_ = w.probe(ctx, p, i, h)
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (w *healthWL) Final(ctx context.Context, p int, h *history.History) error {
	for i := range w.env.Cluster.Nodes() {
		if err := w.probe(ctx, p, i, h); err != nil {
			return err
		}
	}
	return nil
}

func (w *healthWL) Check([]history.Op, string) []checker.Result { return nil }
