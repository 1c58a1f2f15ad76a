package s3backend

import (
	"context"
	"maps"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
)

// Bucket configuration (bucket tags) lives in the repo record
// (model.Repo.S3), replicated by Raft like the rest of it: one command
// (raftmeta repo_set_s3) replaces it, a rename carries it along, a repo
// delete removes it.

// GetBucketTags implements gateway.Backend: the repo's tags (a ref alias
// shows its repo's).
func (b *Backend) GetBucketTags(ctx context.Context, id gateway.Identity, bucket string) (map[string]string, error) {
	t, err := b.resolve(ctx, id, bucket, model.PermRead)
	if err != nil {
		return nil, err
	}
	repo, err := b.meta.GetRepo(ctx, t.Context, t.Repo)
	if err != nil {
		return nil, mapErr(err, gateway.ErrNoSuchBucket)
	}
	if repo.S3 == nil {
		return nil, nil
	}
	return maps.Clone(repo.S3.Tags), nil
}

// PutBucketTags implements gateway.Backend (write permission; read-only
// aliases refuse it).
func (b *Backend) PutBucketTags(ctx context.Context, id gateway.Identity, bucket string, tags map[string]string) error {
	t, err := b.resolve(ctx, id, bucket, model.PermWrite)
	if err != nil {
		return err
	}
	var cfg *model.RepoS3
	if len(tags) > 0 {
		cfg = &model.RepoS3{Tags: maps.Clone(tags)}
	}
	_, err = b.meta.SetRepoS3(ctx, t.Context, t.Repo, cfg)
	return mapErr(err, gateway.ErrNoSuchBucket)
}
