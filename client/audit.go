package client

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/datamon-io/datamon/audit"
	"github.com/valyala/fasthttp"
)

// AuditResult is the cluster-wide answer of AuditList.
type AuditResult struct {
	audit.Result
	// Asked lists the nodes that answered.
	Asked []string `json:"asked"`
	// Missing lists the nodes whose records are not in Records (down, or
	// their answer failed), with why.
	Missing []AuditMissing `json:"missing,omitempty"`
}

// AuditMissing is a node AuditList could not read.
type AuditMissing struct {
	Node  string `json:"node"`
	Error string `json:"error"`
}

// AuditNode asks one node (base "http://host:port", or "" for whichever
// configured endpoint answers) for its own audit records (cluster admin).
func (c *Client) AuditNode(ctx context.Context, base string, q audit.Query) (audit.Result, error) {
	var out audit.Result
	if err := q.Validate(); err != nil {
		return out, err
	}
	cl := call{method: fasthttp.MethodGet, path: "/v1/audit", query: q.Values(), idempotent: true}
	var body []byte
	var err error
	if base == "" {
		_, body, err = c.do(ctx, cl)
	} else {
		_, body, err = c.once(ctx, endpoint{base: base}, cl)
	}
	if err != nil {
		return out, err
	}
	return out, decode(body, &out)
}

// AuditList asks every member of the cluster that serves the API for its
// audit records matching q and merges them by time, keeping the latest
// q.Limit. Members that are down or fail are listed in Missing; it fails
// only when no node answered.
func (c *Client) AuditList(ctx context.Context, q audit.Query) (AuditResult, error) {
	var out AuditResult
	if err := q.Validate(); err != nil {
		return out, err
	}
	members, err := c.Members(ctx)
	if err != nil {
		return out, err
	}
	scheme := "http"
	if len(c.endpoints) > 0 {
		scheme, _, _ = strings.Cut(c.endpoints[0].base, "://")
	}
	type answer struct {
		node string
		res  audit.Result
		err  error
	}
	var (
		mu      sync.Mutex
		answers []answer
		wg      sync.WaitGroup
	)
	for _, m := range members {
		switch {
		case m.APIAddr == "":
			continue // a client-only member (FUSE mount, gateway-only)
		case m.State == "dead" || m.State == "left":
			answers = append(answers, answer{node: m.ID, err: fmt.Errorf("member is %s", m.State)})
			continue
		}
		wg.Add(1)
		go func(id, base string) {
			defer wg.Done()
			res, err := c.AuditNode(ctx, base, q)
			mu.Lock()
			answers = append(answers, answer{node: id, res: res, err: err})
			mu.Unlock()
		}(m.ID, scheme+"://"+m.APIAddr)
	}
	wg.Wait()
	if len(answers) == 0 { // no member advertises an API: ask the configured endpoints
		res, err := c.AuditNode(ctx, "", q)
		if err != nil {
			return out, err
		}
		answers = append(answers, answer{node: res.Node, res: res})
	}
	var results []audit.Result
	var firstErr error
	for _, a := range answers {
		if a.err != nil {
			out.Missing = append(out.Missing, AuditMissing{Node: a.node, Error: a.err.Error()})
			if firstErr == nil {
				firstErr = a.err
			}
			continue
		}
		out.Asked = append(out.Asked, a.node)
		results = append(results, a.res)
	}
	if len(results) == 0 {
		return out, fmt.Errorf("client: audit: no node answered: %w", firstErr)
	}
	sort.Strings(out.Asked)
	sort.Slice(out.Missing, func(i, j int) bool { return out.Missing[i].Node < out.Missing[j].Node })
	limit := q.Limit
	if limit == 0 {
		limit = audit.DefaultLimit
	}
	out.Result = audit.Merge(limit, results...)
	return out, nil
}
