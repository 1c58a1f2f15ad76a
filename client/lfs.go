package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// LFSObjectPage is one page of a repo's Git LFS objects with their chunks.
type LFSObjectPage struct {
	Objects []model.LFSObject `json:"objects"`
	Next    string            `json:"next,omitempty"` // pass as after for the next page
}

func lfsPath(ctxName, repo string) string { return "/lfs/" + ctxName + "/" + repo + "/datamon/objects" }

// LFSObjects lists up to limit (1-1000) LFS objects of a repo with OIDs
// above after, in OID order (read grant).
func (c *Client) LFSObjects(ctx context.Context, ctxName, repo, after string, limit int) (LFSObjectPage, error) {
	var out LFSObjectPage
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return out, err
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("after", after)
	}
	err := c.getJSON(ctx, lfsPath(ctxName, repo), q, &out)
	return out, err
}

// LFSObject returns one LFS object (model.ErrNotFound as a 404 APIError).
func (c *Client) LFSObject(ctx context.Context, ctxName, repo, oid string) (model.LFSObject, error) {
	var out LFSObjectPage
	if err := checkNames("context", ctxName, "repo", repo, "oid", oid); err != nil {
		return model.LFSObject{}, err
	}
	if err := c.getJSON(ctx, lfsPath(ctxName, repo), url.Values{"oid": {oid}}, &out); err != nil {
		return model.LFSObject{}, err
	}
	if len(out.Objects) != 1 {
		return model.LFSObject{}, ErrProtocol
	}
	return out.Objects[0], nil
}

// DeleteLFSObjects removes up to 1000 LFS objects created before before
// (admin grant) and returns how many went (resent with its request ID:
// the count is the first attempt's); their chunks go at the next cluster GC if nothing else
// references them.
func (c *Client) DeleteLFSObjects(ctx context.Context, ctxName, repo string, oids []string, before time.Time) (int, error) {
	var out struct {
		Deleted int `json:"deleted"`
	}
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return 0, err
	}
	in := struct {
		OIDs   []string  `json:"oids"`
		Before time.Time `json:"before,omitzero"`
	}{oids, before}
	err := c.sendJSON(ctx, fasthttp.MethodPost, lfsPath(ctxName, repo)+"/delete", false, in, &out)
	return out.Deleted, err
}
