package client

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// ClusterStatus reports the raft status of the node that answers.
func (c *Client) ClusterStatus(ctx context.Context) (Status, error) {
	var out Status
	return out, c.getJSON(ctx, "/v1/cluster/status", nil, &out)
}

// Members lists the cluster members as the answering node sees them.
func (c *Client) Members(ctx context.Context) ([]Member, error) {
	var out []Member
	return out, c.getJSON(ctx, "/v1/cluster/members", nil, &out)
}

// RemoveNode removes a node from the raft configuration and the layout (root
// key). The server refuses with model.ErrPrecondition when the removal could
// lose data (another node down, degraded chunks, a rebalance still running);
// RemoveNodeForce skips that check.
func (c *Client) RemoveNode(ctx context.Context, id string) error {
	return c.removeNode(ctx, id, false)
}

// RemoveNodeForce removes a node without the server's safety check.
func (c *Client) RemoveNodeForce(ctx context.Context, id string) error {
	return c.removeNode(ctx, id, true)
}

func (c *Client) removeNode(ctx context.Context, id string, force bool) error {
	if id == "" {
		return fmt.Errorf("%w: node id is empty", model.ErrInvalid)
	}
	return c.sendJSON(ctx, fasthttp.MethodPost, "/v1/cluster/remove-node", false, removeNodeRequest{ID: id, Force: force}, nil)
}

// Health asks GET /healthz (unauthenticated) of each endpoint in turn and
// returns nil as soon as one answers 200; otherwise the error names every
// endpoint's failure.
func (c *Client) Health(ctx context.Context) error {
	var errs []error
	for _, ep := range c.endpoints {
		req := fasthttp.AcquireRequest()
		resp := fasthttp.AcquireResponse()
		req.SetRequestURI(ep.base + "/healthz")
		deadline := deadlineFor(ctx, c.cfg.Timeout)
		err := c.hc.DoDeadline(req, resp, deadline)
		status := resp.StatusCode()
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
		if err == nil && status == fasthttp.StatusOK {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("HTTP %d", status)
		}
		errs = append(errs, fmt.Errorf("%s: %w", ep.base, err))
	}
	return fmt.Errorf("%w: no healthy endpoint: %v", ErrUnavailable, errs)
}

// Metrics returns the answering node's /metrics page (Prometheus text).
func (c *Client) Metrics(ctx context.Context) ([]byte, error) {
	_, body, err := c.do(ctx, call{method: fasthttp.MethodGet, path: "/metrics", idempotent: true})
	return body, err
}
