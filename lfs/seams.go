package lfs

import (
	"context"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Meta is what the server needs from raftmeta.Meta.
type Meta interface {
	GetRepo(ctx context.Context, context, name string) (model.Repo, error)
	// GetAccessKey is called on a Config.Stale context (HTTP Basic).
	GetAccessKey(ctx context.Context, id string) (model.AccessKey, error)

	GetLFSObject(ctx context.Context, context, repo, oid string) (model.LFSObject, error)
	PutLFSObject(ctx context.Context, context, repo string, o model.LFSObject) (model.LFSObject, error)
	ListLFSObjects(ctx context.Context, context, repo, after string, limit int) ([]model.LFSObject, error)
	DeleteLFSObjects(ctx context.Context, context, repo string, oids []string, before time.Time) (int, error)

	CreateLFSLock(ctx context.Context, context, repo string, l model.LFSLock) (model.LFSLock, error)
	DeleteLFSLock(ctx context.Context, context, repo, id, owner string, force bool) (model.LFSLock, error)
	GetLFSLock(ctx context.Context, context, repo, id string) (model.LFSLock, error)
	LFSLockByPath(ctx context.Context, context, repo, path string) (model.LFSLock, error)
	ListLFSLocks(ctx context.Context, context, repo, after string, limit int) ([]model.LFSLock, error)
}

// Chunks is the chunk service (cas.Service): Get verifies the chunk ID.
type Chunks interface {
	Put(ctx context.Context, data []byte) (chunk.ID, error)
	Get(ctx context.Context, id chunk.ID) ([]byte, error)
	Has(ctx context.Context, ids []chunk.ID) ([]bool, error)
}

// Authenticator checks credentials the server does not handle itself
// (api.Server.Authenticate: datamon signatures, bearer tokens). The
// request body is buffered when it is called.
type Authenticator interface {
	Authenticate(ctx context.Context, rc *fasthttp.RequestCtx) (model.AccessKey, error)
}
