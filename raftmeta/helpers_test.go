package raftmeta_test

import (
	"context"

	"github.com/datamon-io/datamon/raftmeta"
)

var raftmetaErrClosed = raftmeta.ErrClosed

func raftmetaStale(ctx context.Context) context.Context { return raftmeta.WithStale(ctx) }
