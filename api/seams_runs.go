package api

import (
	"context"

	"github.com/datamon-io/datamon/model"
)

// Runs stores pipeline run records (raftmeta.Meta). Unknown runs are
// model.ErrNotFound; a change to a finished run other than tags and notes
// is model.ErrPrecondition; a change by someone who is neither the run's
// owner nor an admin (RunActor.Admin) is model.ErrPermission.
type Runs interface {
	StartRun(ctx context.Context, s model.RunStart) (model.Run, error)
	GetRun(ctx context.Context, id string) (model.Run, error)
	ListRuns(ctx context.Context, f model.RunFilter) ([]model.Run, error)
	LogRunMetrics(ctx context.Context, id string, as model.RunActor, pts []model.MetricPoint) (model.Run, error)
	AddRunInputs(ctx context.Context, id string, as model.RunActor, in []model.InputRef) (model.Run, error)
	HeartbeatRun(ctx context.Context, id string, as model.RunActor) (model.Run, error)
	FinishRun(ctx context.Context, id string, as model.RunActor, st model.RunStatus, reason string) (model.Run, error)
	UpdateRun(ctx context.Context, id string, as model.RunActor, u model.RunUpdate) (model.Run, error)
	RunMetricHistory(ctx context.Context, id, key string, limit int) ([]model.MetricPoint, error)
	RunByExternal(ctx context.Context, ext string) (model.Run, error)
}

// Lineage answers lineage walks (runs.Walker over the metadata). visible
// tells which repos (repo "": some repo of a context) the caller may read.
type Lineage interface {
	Lineage(ctx context.Context, q model.LineageQuery, visible func(context, repo string) bool) (model.Lineage, error)
}

// RunEvents hears of every run start and finish the API made (OpenLineage
// emission). It must not block the request for long.
type RunEvents interface {
	RunChanged(ctx context.Context, r model.Run)
}

// LineageIngest turns OpenLineage RunEvents (POST /api/v1/lineage) into
// run records. The caller decides nothing about identity: Caller gives the
// authenticated actor in a context and checks the permission each event
// needs before anything is written.
type LineageIngest interface {
	Ingest(ctx context.Context, body []byte, caller Caller) (model.Run, error)
}

// Caller is the authenticated caller of a request, for seams that act on
// its behalf.
type Caller interface {
	// Actor is the caller as a run of context c sees it.
	Actor(c string) model.RunActor
	// Require fails unless the caller has want on some repo of context c.
	Require(c string, want model.Permission) error
	// RequireRepo fails unless the caller has want on c/repo.
	RequireRepo(c, repo string, want model.Permission) error
}
