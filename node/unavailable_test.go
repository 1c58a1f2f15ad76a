package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/cas"
	"github.com/datamon-io/datamon/diskguard"
	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/hashicorp/raft"
)

// Every "not enough of the cluster is up right now" condition, wrapped the
// way the layers wrap it, is 503 on both front ends (API Unavailable, S3
// ServiceUnavailable); a bug stays 500.
func TestDegradedIs503(t *testing.T) {
	degraded := map[string]error{
		"owners dead": fmt.Errorf("s3backend: put object b/k: %w",
			fmt.Errorf("cas: put c1: 0 of 6 shards durable, need 5 (2 owners dead; last error: dial): %w", cas.ErrInsufficientShards)),
		"batch put":                 fmt.Errorf("cas: put batch: chunk c2: 3 of 6 durable: %w", cas.ErrInsufficientShards),
		"no owner reachable":        fmt.Errorf("cas: get c3: %w", cas.ErrUnavailable),
		"no layout":                 fmt.Errorf("cas: put: %w", cas.ErrNoLayout),
		"no leader":                 fmt.Errorf("s3backend: commit draft: %w", raftmeta.ErrNoLeader),
		"not leader":                raftmeta.ErrNotLeader,
		"forward failed":            fmt.Errorf("%w: 10.0.0.1:7002: connection refused", raftmeta.ErrForward),
		"leadership lost":           fmt.Errorf("raftmeta: apply: %w", raft.ErrLeadershipLost),
		"quorum lost":               fmt.Errorf("raftmeta: apply: %w", raft.ErrEnqueueTimeout),
		"raft shutting down":        raft.ErrRaftShutdown,
		"meta closed":               raftmeta.ErrClosed,
		"store damaged, recovering": fmt.Errorf("%w: refused: log damaged (…); recovering from the leader", raftmeta.ErrRecovering),
		"disk low":                  fmt.Errorf("node: put shard: %w", diskguard.ErrLowSpace),
		"draft commit while nodes come back": fmt.Errorf("s3backend: commit: write manifest: %w",
			fmt.Errorf("cas: put m1: 4 of 6 shards durable, need 5: %w", cas.ErrInsufficientShards)),
	}
	for name, err := range degraded {
		if !unavailable(err) {
			t.Errorf("%s: not recognised as degraded: %v", name, err)
		}
		if code, status := api.CodeFor(err, unavailable); status != http.StatusServiceUnavailable || code != api.CodeUnavailable {
			t.Errorf("%s: API %s %d, want Unavailable 503", name, code, status)
		}
		if code, status := gateway.ErrorFor(err, unavailable); status != http.StatusServiceUnavailable || code != "ServiceUnavailable" {
			t.Errorf("%s: S3 %s %d, want ServiceUnavailable 503", name, code, status)
		}
	}
	bugs := map[string]error{
		"plain error":    errors.New("runtime: index out of range"),
		"corrupt chunk":  fmt.Errorf("cas: get c1: %w", cas.ErrCorrupt),
		"bad command":    raftmeta.ErrBadCommand,
		"remote unknown": raftmeta.ErrRemote,
	}
	for name, err := range bugs {
		if unavailable(err) {
			t.Errorf("%s: a bug recognised as degraded", name)
		}
		if code, status := api.CodeFor(err, unavailable); status != http.StatusInternalServerError {
			t.Errorf("%s: API %s %d, want 500", name, code, status)
		}
		if code, status := gateway.ErrorFor(err, unavailable); status != http.StatusInternalServerError || code != "InternalError" {
			t.Errorf("%s: S3 %s %d, want InternalError 500", name, code, status)
		}
	}
	// A timeout stays retryable on both (503), as before.
	if _, status := gateway.ErrorFor(context.DeadlineExceeded, unavailable); status != http.StatusServiceUnavailable {
		t.Errorf("deadline: S3 %d", status)
	}
}
