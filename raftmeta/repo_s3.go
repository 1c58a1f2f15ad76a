package raftmeta

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// opSetRepoS3 replaces a repo's S3 bucket configuration (model.RepoS3:
// bucket tags). Payload: command.Repo with Context, Name and S3 (nil or
// empty: remove it).
const opSetRepoS3 = "repo_set_s3"

func init() { knownOps[opSetRepoS3] = true }

// SetRepoS3 replaces the S3 bucket configuration of context/repo and
// returns the repo as stored. model.ErrNotFound if the repo is absent,
// model.ErrInvalid past ValidateRepoS3's bounds.
func (m *Meta) SetRepoS3(ctx context.Context, context, repo string, cfg *model.RepoS3) (model.Repo, error) {
	if err := validateRef(context, repo); err != nil {
		return model.Repo{}, err
	}
	if err := model.ValidateRepoS3(cfg); err != nil {
		return model.Repo{}, err
	}
	return decodeResult[model.Repo](m.submit(ctx, &command{Op: opSetRepoS3,
		Repo: &model.Repo{Context: context, Name: repo, S3: cfg}}))
}

// execRepoS3 applies opSetRepoS3; ok is false for other ops.
func (tx *txn) execRepoS3(c *command) (out []byte, ok bool, err error) {
	if c.Op != opSetRepoS3 {
		return nil, false, nil
	}
	if c.Repo == nil {
		return nil, true, fmt.Errorf("%w: %s without payload", ErrBadCommand, c.Op)
	}
	if err := model.ValidateRepoS3(c.Repo.S3); err != nil {
		return nil, true, err
	}
	var r model.Repo
	found, err := getJSON(tx.b, repoKey(c.Repo.Context, c.Repo.Name), &r)
	if err != nil {
		return nil, true, err
	}
	if !found {
		return nil, true, fmt.Errorf("%w: repo %s/%s", model.ErrNotFound, c.Repo.Context, c.Repo.Name)
	}
	r.S3 = c.Repo.S3
	if r.S3.Empty() {
		r.S3 = nil
	}
	return tx.putJSON(repoKey(r.Context, r.Name), r), true, nil
}
