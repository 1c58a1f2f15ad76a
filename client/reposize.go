package client

import (
	"context"
	"errors"
	"sync"

	"github.com/datamon-io/datamon/model"
)

// RepoSize is what `repo list|get --with-size` reports, as datamon did: the
// sum of the sizes of every file of every bundle of a repo. It ignores
// deduplication (a file kept unchanged in ten bundles counts ten times, and
// identical chunks count once per file), so it is not the space the repo
// takes in the cluster.
type RepoSize struct {
	Repo string
	// Bytes is the sum of Bundle.ByteCount over Bundles.
	Bytes uint64
	// Bundles in commit order.
	Bundles []model.Bundle
	// Gone: the repo was deleted before its bundles were listed.
	Gone bool
}

// RepoSize lists a repo's bundles and sums their sizes (see RepoSize).
func (c *Client) RepoSize(ctx context.Context, ctxName, repo string) (RepoSize, error) {
	bs, err := c.ListBundles(ctx, ctxName, repo)
	if err != nil {
		return RepoSize{Repo: repo}, err
	}
	out := RepoSize{Repo: repo, Bundles: bs}
	for _, b := range bs {
		out.Bytes += b.ByteCount
	}
	return out, nil
}

// RepoSizes is RepoSize for many repos of a context, parallel requests at
// a time (at least 1). A repo deleted meanwhile comes back with Gone set;
// any other error ends the call. The result is in the order of repos.
func (c *Client) RepoSizes(ctx context.Context, ctxName string, repos []string, parallel int) ([]RepoSize, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]RepoSize, len(repos))
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range min(max(parallel, 1), len(repos)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rs, err := c.RepoSize(ctx, ctxName, repos[i])
				if errors.Is(err, model.ErrNotFound) {
					rs, err = RepoSize{Repo: repos[i], Gone: true}, nil
				}
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
				out[i] = rs
			}
		}()
	}
feed:
	for i := range repos {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
