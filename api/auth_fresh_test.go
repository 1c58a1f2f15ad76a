package api_test

import (
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
)

// A key deleted on the leader but still in this node's applied state (it
// lags) may read here until the node catches up, but never writes: the
// lookup for a state-changing request is linearizable.
func TestRevokedKeyNeverWritesThroughALaggingNode(t *testing.T) {
	n, _, root := single(t)
	if _, err := root.CreateRepo(t.Context(), model.Repo{Context: "default", Name: "r1", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	gone := model.AccessKey{ID: "AKGONE", Secret: "gone-secret", Grants: map[string]model.Permission{"default/*": model.PermAdmin}}
	n.meta.lagging = map[string]model.AccessKey{gone.ID: gone}
	before := n.meta.writes

	get := raw(n, signedReq(gone, "GET", "/v1/contexts/default/repos/r1", nil, nil, time.Now()))
	if get.StatusCode() != 200 {
		t.Fatalf("GET with the lagging key: %d %s, want 200 (reads use applied state)", get.StatusCode(), get.Body())
	}
	body := []byte(`{"name":"r2","description":"d"}`)
	post := raw(n, signedReq(gone, "POST", "/v1/contexts/default/repos", body, body, time.Now()))
	if post.StatusCode() != 401 {
		t.Fatalf("POST with a revoked key: %d %s, want 401", post.StatusCode(), post.Body())
	}
	if n.meta.writes != before {
		t.Fatalf("a refused write changed the state (%d writes)", n.meta.writes-before)
	}
}
