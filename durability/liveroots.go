package durability

import (
	"context"

	"github.com/datamon-io/datamon/chunk"
)

// LiveRoots is implemented by a Meta that references chunks outside
// bundles (Git LFS objects). Whole-cluster walks (GC mark, fsck) visit
// those chunks too, so a sweep never deletes them; owner names the
// referrer in reports (e.g. "lfs:ctx/repo/<oid>").
type LiveRoots interface {
	VisitLiveChunks(ctx context.Context, visit func(owner string, id chunk.ID)) error
}

// roots visits the extra live chunks, when the whole cluster is walked.
func (w *liveWalker) roots(ctx context.Context, sc Scope) error {
	lr, ok := w.s.meta.(LiveRoots)
	if !ok || sc != (Scope{}) {
		return nil
	}
	return lr.VisitLiveChunks(ctx, w.visit)
}
