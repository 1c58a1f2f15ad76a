package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/api"
	"github.com/valyala/fasthttp"
)

// stateCluster reports a fixed raft status (or error) for the probes.
type stateCluster struct {
	staticCluster
	st  api.MetaStatus
	err error
}

func (s stateCluster) MetaStatus(context.Context) (api.MetaStatus, error) { return s.st, s.err }

// TestProbes: /livez answers whatever raft says; /readyz only once the node
// is a raft member with a leader and a layout, and says why not otherwise.
func TestProbes(t *testing.T) {
	ready := api.MetaStatus{NodeID: "n1", LeaderID: "n2", Voters: []string{"n2", "n3"}, NonVoters: []string{"n1"}, LayoutVersion: 1}
	cases := []struct {
		name string
		c    stateCluster
		code int
		body string
	}{
		{"ready non-voter", stateCluster{st: ready}, 200, "ready"},
		{"raft error", stateCluster{err: errors.New("raftmeta: closed")}, 503, "raft status"},
		{"not a member", stateCluster{st: api.MetaStatus{NodeID: "n9", LeaderID: "n2", Voters: []string{"n2"}, LayoutVersion: 1}}, 503, "not a raft member"},
		{"no leader", stateCluster{st: api.MetaStatus{NodeID: "n1", Voters: []string{"n1"}, LayoutVersion: 1}}, 503, "no raft leader"},
		{"no layout", stateCluster{st: api.MetaStatus{NodeID: "n1", LeaderID: "n1", Voters: []string{"n1"}}}, 503, "no layout"},
	}
	for _, tc := range cases {
		h := api.New(api.DefaultConfig(), nil, nil, tc.c).Handler()
		for path, want := range map[string]int{api.PathReadyz: tc.code, api.PathLivez: 200, api.PathHealthz: 200} {
			var rc fasthttp.RequestCtx
			rc.Request.SetRequestURI("http://n1" + path)
			h(&rc)
			if rc.Response.StatusCode() != want {
				t.Errorf("%s %s: %d %q, want %d", tc.name, path, rc.Response.StatusCode(), rc.Response.Body(), want)
			}
			if path == api.PathReadyz && !strings.Contains(string(rc.Response.Body()), tc.body) {
				t.Errorf("%s: /readyz says %q, want %q", tc.name, rc.Response.Body(), tc.body)
			}
		}
	}
}
