package s3backend

import (
	"context"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// Meta is what the backend needs from raftmeta.Meta.
type Meta interface {
	ListContexts(ctx context.Context) ([]model.Context, error)
	CreateContext(ctx context.Context, c model.Context) (model.Context, error)
	CreateRepo(ctx context.Context, r model.Repo) (model.Repo, error)
	GetRepo(ctx context.Context, context, name string) (model.Repo, error)
	ListRepos(ctx context.Context, context string) ([]model.Repo, error)
	DeleteRepo(ctx context.Context, context, name string) error
	GetBundle(ctx context.Context, context, repo, id string) (model.Bundle, error)
	LatestBundle(ctx context.Context, context, repo string) (model.Bundle, error)
	GetLabel(ctx context.Context, context, repo, name string) (model.Label, error)
	GetAccessKey(ctx context.Context, id string) (model.AccessKey, error)
	SetRepoS3(ctx context.Context, context, repo string, cfg *model.RepoS3) (model.Repo, error)

	PutDraft(ctx context.Context, context, repo string, e raftmeta.DraftEntry, cond *raftmeta.PutCondition) (raftmeta.DraftEntry, error)
	DeleteDraft(ctx context.Context, context, repo, path string) error
	DeleteDraftIf(ctx context.Context, context, repo, path string, cond *raftmeta.PutCondition) error
	DiscardDraft(ctx context.Context, context, repo string) error
	CommitDraft(ctx context.Context, c raftmeta.DraftCommit) (model.Bundle, error)
	GetDraftEntry(ctx context.Context, context, repo, path string) (raftmeta.DraftEntry, error)
	ListDraft(ctx context.Context, context, repo, prefix, from string, limit int) ([]raftmeta.DraftEntry, error)
	DraftSummary(ctx context.Context, context, repo string) (raftmeta.DraftSummary, error)

	CreateUpload(ctx context.Context, context, repo string, u raftmeta.Upload) (raftmeta.Upload, error)
	GetUpload(ctx context.Context, context, repo, id string) (raftmeta.Upload, error)
	ListUploads(ctx context.Context, context, repo string) ([]raftmeta.Upload, error)
	PutPart(ctx context.Context, context, repo, uploadID string, p raftmeta.UploadPart) (raftmeta.UploadPart, error)
	ListParts(ctx context.Context, context, repo, id string, after, limit int) ([]raftmeta.UploadPart, error)
	CompleteUpload(ctx context.Context, context, repo, uploadID, key string, parts []raftmeta.CompletePart, minPartSize int64, cond *raftmeta.PutCondition, attrs map[string]string) (raftmeta.DraftEntry, error)
	AbortUpload(ctx context.Context, context, repo, uploadID string) error
}

// Chunks is what the backend needs from cas.Service.
type Chunks interface {
	Put(ctx context.Context, data []byte) (chunk.ID, error)
	Get(ctx context.Context, id chunk.ID) ([]byte, error)
	Has(ctx context.Context, ids []chunk.ID) ([]bool, error)
}

var _ Meta = (*raftmeta.Meta)(nil)
