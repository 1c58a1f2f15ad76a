package e2e

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

const (
	rp       = "/v1/contexts/default/repos/"
	repoPath = "/v1/contexts/{ctx}/repos/{repo}" // the router's pattern
)

// apiCases is the API half of the matrix, keyed "METHOD pattern" like
// api.RouteTable: a new route without a case fails TestAuthMatrix.
func apiCases() map[string]amCase {
	noop := "an unknown node: answered after the authorization check; acting on a real one would end the matrix"
	return map[string]amCase{
		"GET /healthz": {need: needPublic, status: 200, why: "liveness probe for load balancers: says ok, nothing else", build: get("/healthz")},
		"GET /livez":   {need: needPublic, status: 200, why: "Kubernetes liveness probe: says ok, nothing else", build: get("/livez")},
		"GET /readyz":  {need: needPublic, status: 200, why: "Kubernetes readiness probe: ready or the reason it is not (raft member, leader, layout)", build: get("/readyz")},
		"GET /metrics": {need: needAuthn, status: 200, build: get("/metrics")},

		"POST /v1/contexts": {need: needCluster, status: 201, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/contexts", model.Context{Name: f.name("ctx"), Description: "d"}), nil
		}},
		"GET /v1/contexts":       {need: needRead, status: 200, hidden: `"name":"default"`, build: get("/v1/contexts")},
		"GET /v1/contexts/{ctx}": {need: needRead, status: 200, build: get("/v1/contexts/default")},
		"POST /v1/contexts/{ctx}/repos": {need: needAdmin, status: 201, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/contexts/default/repos", model.Repo{Name: f.name("r"), Description: "d"}), nil
		}},
		"GET /v1/contexts/{ctx}/repos":      {need: needRead, status: 200, hidden: `"fx"`, build: get("/v1/contexts/default/repos")},
		"GET " + repoPath:                   {need: needRead, status: 200, build: get(rp + "fx")},
		"DELETE " + repoPath:                {need: needAdmin, status: 204, mutates: true, build: func(f *amFix) (amReq, *amKey) { return amReq{method: "DELETE", path: rp + f.repo()}, nil }},
		"GET " + repoPath + "/bundles":      {need: needRead, status: 200, build: get(rp + "fx/bundles")},
		"GET " + repoPath + "/bundles/{id}": {need: needRead, status: 200, build: func(f *amFix) (amReq, *amKey) { return amReq{method: "GET", path: rp + "fx/bundles/" + f.fxID}, nil }},
		"POST " + repoPath + "/bundles": {need: needWrite, status: 201, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", rp+f.repo()+"/bundles", f.fx), nil
		}},
		"GET " + repoPath + "/bundles/{id}/files": {need: needRead, status: 200, build: func(f *amFix) (amReq, *amKey) {
			return amReq{method: "GET", path: rp + "fx/bundles/" + f.fxID + "/files"}, nil
		}},
		"GET " + repoPath + "/bundles/{id}/file": {need: needRead, status: 200, build: func(f *amFix) (amReq, *amKey) {
			return amReq{method: "GET", path: rp + "fx/bundles/" + f.fxID + "/file", query: url.Values{"path": {"a.txt"}}}, nil
		}},
		"POST " + repoPath + "/bundles/assemble": {need: needWrite, status: 201, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", rp+f.repo()+"/bundles/assemble", api.AssembleRequest{Message: "matrix", Files: []api.AssembleFile{{Path: "empty.txt"}}}), nil
		}},
		"GET " + repoPath + "/bundles/latest": {need: needRead, status: 200, build: get(rp + "fx/bundles/latest")},
		"GET " + repoPath + "/labels":         {need: needRead, status: 200, build: get(rp + "fx/labels")},
		"PUT " + repoPath + "/labels/{label}": {need: needWrite, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("PUT", rp+"fx/labels/"+f.name("l"), api.SetLabelRequest{BundleID: f.fxID}), nil
		}},
		"GET " + repoPath + "/labels/{label}":         {need: needRead, status: 200, build: get(rp + "fx/labels/main")},
		"GET " + repoPath + "/labels/{label}/history": {need: needRead, status: 200, build: get(rp + "fx/labels/main/history")},

		"PUT /v1/chunks": {need: needAnyWrite, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return amReq{method: "PUT", path: "/v1/chunks", body: f.newChunk()}, nil
		}},
		"POST /v1/chunks/batch": {need: needAnyWrite, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return amReq{method: "POST", path: "/v1/chunks/batch", body: api.EncodeChunkBatch([][]byte{f.newChunk(), f.newChunk()})}, nil
		}},
		"POST /v1/chunks/has": {need: needAnyRead, status: 200, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/chunks/has", api.HasRequest{IDs: []chunk.ID{f.fx.Bundle.ManifestRoot}}), nil
		}},
		"GET /v1/chunks/{id}": {need: needAnyRead, status: 200, build: func(f *amFix) (amReq, *amKey) {
			return amReq{method: "GET", path: "/v1/chunks/" + f.fx.Bundle.ManifestRoot.String()}, nil
		}},

		"GET /v1/cluster/status":     {need: needAnyRead, status: 200, build: get("/v1/cluster/status")},
		"GET /v1/cluster/members":    {need: needAnyRead, status: 200, build: get("/v1/cluster/members")},
		"GET /v1/cluster/durability": {need: needAnyRead, status: 200, build: get("/v1/cluster/durability")},
		"POST /v1/cluster/remove-node": {need: needCluster, status: 404, why: noop, build: func(*amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/cluster/remove-node", api.RemoveNodeRequest{ID: "node9"}), nil
		}},
		"POST /v1/cluster/drain": {need: needCluster, status: 404, why: noop, build: func(*amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/cluster/drain", api.DrainRequest{ID: "node9"}), nil
		}},
		"POST /v1/cluster/undrain": {need: needCluster, status: 412, why: noop, build: func(*amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/cluster/undrain", api.DrainRequest{ID: "node9"}), nil
		}},
		"POST /v1/cluster/fsck": {need: needCluster, status: 200, why: "a check: reads shards", build: func(*amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/cluster/fsck", api.FsckRequest{Context: "default", Repo: "fx"}), nil
		}},
		"PUT /v1/cluster/repair-rate": {need: needCluster, status: 204, why: "a node's repair throttle, not repo or identity state", build: func(*amFix) (amReq, *amKey) {
			return jsonReq("PUT", "/v1/cluster/repair-rate", api.RepairRateRequest{BytesPerSec: 1 << 30}), nil
		}},
		"POST /v1/gc": {need: needCluster, status: 200, why: "a dry run", build: func(*amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/gc", api.GCRequest{DryRun: true}), nil
		}},

		"GET " + repoPath + "/draft": {need: needRead, status: 200, build: get(rp + "fx/draft")},
		"DELETE " + repoPath + "/draft": {need: needWrite, status: 204, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return amReq{method: "DELETE", path: rp + f.draftRepo() + "/draft"}, nil
		}},
		"POST " + repoPath + "/draft/commit": {need: needWrite, status: 201, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", rp+f.draftRepo()+"/draft/commit", api.DraftCommitRequest{Message: "m"}), nil
		}},
		"POST " + repoPath + "/rename": {need: needAdmin, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", rp+f.repo()+"/rename", api.RenameRepoRequest{NewName: f.name("renamed")}), nil
		}},
		"POST " + repoPath + "/delete-files": {need: needAdmin, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			r := f.repo()
			f.commit(r)
			return jsonReq("POST", rp+r+"/delete-files", api.DeleteFilesRequest{Paths: []string{"a.txt"}}), nil
		}},
		"POST " + repoPath + "/squash": {need: needAdmin, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			r := f.repo()
			f.commit(r)
			return jsonReq("POST", rp+r+"/squash", model.SquashRequest{RetainLatest: 1, Horizons: map[string]string{r: f.commit(r)}}), nil
		}},
		"POST /v1/contexts/{ctx}/squash": {need: needAdmin, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			r := f.repo()
			f.commit(r)
			return jsonReq("POST", "/v1/contexts/default/squash", model.SquashRequest{RetainLatest: 1, Horizons: map[string]string{r: f.commit(r)}}), nil
		}},

		"POST /v1/users": {need: needCluster, status: 201, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/users", api.CreateUserRequest{Name: f.name("u")}), nil
		}},
		"GET /v1/users": {need: needCluster, status: 200, build: get("/v1/users")},
		"GET /v1/users/{name}": {need: needSelf, status: 200, build: func(f *amFix) (amReq, *amKey) {
			u, k := f.throwaway()
			return amReq{method: "GET", path: "/v1/users/" + u}, &k
		}},
		"DELETE /v1/users/{name}": {need: needCluster, status: 204, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			u := f.name("u")
			f.createUser(u)
			return amReq{method: "DELETE", path: "/v1/users/" + u}, nil
		}},
		"POST /v1/keys": {need: needCluster, status: 201, mutates: true, build: func(*amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/keys", api.CreateKeyRequest{User: "matrix", Grants: []string{"default/fx=read"}}), nil
		}},
		"GET /v1/keys": {need: needCluster, status: 200, build: get("/v1/keys")},
		"GET /v1/keys/{id}": {need: needSelf, status: 200, build: func(f *amFix) (amReq, *amKey) {
			_, k := f.throwaway()
			return amReq{method: "GET", path: "/v1/keys/" + k.id}, &k
		}},
		"DELETE /v1/keys/{id}": {need: needCluster, status: 204, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			_, k := f.throwaway()
			return amReq{method: "DELETE", path: "/v1/keys/" + k.id}, nil
		}},
		"POST /v1/keys/{id}/rotate": {need: needSelf, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			_, k := f.throwaway()
			return jsonReq("POST", "/v1/keys/"+k.id+"/rotate", api.RotateKeyRequest{Grace: "1h"}), &k
		}},
		"POST /v1/keys/{id}/grants": {need: needCluster, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			_, k := f.throwaway()
			return jsonReq("POST", "/v1/keys/"+k.id+"/grants", api.AddGrantRequest{Grant: "default/fx=write"}), nil
		}},
		"DELETE /v1/keys/{id}/grants": {need: needCluster, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			_, k := f.throwaway()
			return amReq{method: "DELETE", path: "/v1/keys/" + k.id + "/grants", query: q("scope", "default/fx")}, nil
		}},
		"GET /v1/audit": {need: needCluster, status: 200, build: get("/v1/audit")},
	}
}

// repo creates a fresh repo in default.
func (f *amFix) repo() string {
	r := f.name("r")
	f.mustRoot("POST", "/v1/contexts/default/repos", jsonBody(model.Repo{Name: r, Description: "matrix"}))
	return r
}

// commit commits the fixture bundle to repo r and returns its ID.
func (f *amFix) commit(r string) string {
	var b model.Bundle
	if err := json.Unmarshal(f.mustRoot("POST", rp+r+"/bundles", jsonBody(f.fx)), &b); err != nil {
		f.t.Fatal(err)
	}
	return b.ID
}

// draftRepo is a fresh repo with an S3 object in its draft.
func (f *amFix) draftRepo() string {
	r := f.repo()
	f.buckets = append(f.buckets, r)
	if st, _, b := f.s3Send(0, f.root.s3(), "", "PUT", "/"+r+"/obj", []byte("draft object"), nil); st != 200 {
		f.t.Fatalf("root PUT into %s: %d %s", r, st, b)
	}
	return r
}

// newChunk is random chunk content whose ID the state digest then checks.
func (f *amFix) newChunk() []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	f.chunks = append(f.chunks, chunk.Sum(b).String())
	return b
}

// throwaway is a fresh user with one key (read on default/fx), known to
// every node.
func (f *amFix) throwaway() (string, amKey) {
	u := f.name("u")
	f.createUser(u)
	var ks api.KeySecret
	if err := json.Unmarshal(f.mustRoot("POST", "/v1/keys", jsonBody(api.CreateKeyRequest{User: u, Grants: []string{"default/fx=read"}})), &ks); err != nil {
		f.t.Fatal(err)
	}
	k := amKey{ks.ID, ks.Secret}
	for i := range f.c.Nodes {
		f.until("throwaway key on every node", func() bool {
			st, _ := f.apiDo(i, k, "", amReq{method: "GET", path: "/v1/keys/" + k.id})
			return st == 200
		})
	}
	return u, k
}
