package node

import "github.com/datamon-io/datamon/api"

// The API serves `repo rename` and `repo delete files` through the
// metadata it is given (api.RepoAdmin, an optional interface it checks at
// run time): make sure the node's servingMeta keeps providing it.
var _ api.RepoAdmin = servingMeta{}
