package node

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// servingMeta is the metadata the public API and the S3 gateway see. A node
// that holds no applied metadata (it was removed and its data wiped, or it
// has not caught up with any leader yet) must not answer "unknown access key"
// (a definite 401/403 that clients do not retry elsewhere): it refuses with
// api.ErrNotServing (API: 503 NotServing; S3: 503 ServiceUnavailable), which
// says the request was not processed at all, so clients fail over to a node
// that knows the keys without counting the request as possibly applied.
// (jepsen scenario datamon-membership-wipe.)
type servingMeta struct{ *raftmeta.Meta }

func (m servingMeta) GetAccessKey(ctx context.Context, id string) (model.AccessKey, error) {
	if m.AppliedIndex() == 0 {
		return model.AccessKey{}, fmt.Errorf("node: no metadata applied yet: %w: %w", api.ErrNotServing, raftmeta.ErrNoLeader)
	}
	return m.Meta.GetAccessKey(ctx, id)
}
