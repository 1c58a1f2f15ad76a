package e2e

import (
	"encoding/json"
	"fmt"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
)

// runCases are the pipeline run routes of the matrix (docs/runs.md,
// Grants). Fixture runs are started by the root key without a lease, so
// the leader never expires one during the matrix: changing them needs
// their owner or admin on the context (the "admin" key), reading them read
// on some repo of the context, starting one write.
func runCases() map[string]amCase {
	runPath := func(f *amFix, suffix string) string { return "/v1/runs/" + f.newRun() + suffix }
	change := func(suffix string, body any, mutates bool, why string) amCase {
		return amCase{need: needAdmin, status: 200, mutates: mutates, why: why, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", runPath(f, suffix), body), nil
		}}
	}
	read := func(suffix string) amCase {
		return amCase{need: needRead, status: 200, build: func(f *amFix) (amReq, *amKey) {
			return amReq{method: "GET", path: runPath(f, suffix)}, nil
		}}
	}
	return map[string]amCase{
		"POST /v1/contexts/{ctx}/runs": {need: needWrite, status: 201, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			return jsonReq("POST", "/v1/contexts/default/runs", model.RunStart{Name: f.name("run"),
				Inputs: []model.InputRef{{Repo: "fx", Ref: "main"}}}), nil
		}},
		"GET /v1/contexts/{ctx}/runs":     {need: needRead, status: 200, build: get("/v1/contexts/default/runs")},
		"GET /v1/runs/{id}":               read(""),
		"GET /v1/runs/{id}/metrics":       read("/metrics"),
		"GET /v1/runs/{id}/lineage/{dir}": read("/lineage/upstream"),
		"GET " + repoPath + "/bundles/{id}/lineage/{dir}": {need: needRead, status: 200, build: func(f *amFix) (amReq, *amKey) {
			return amReq{method: "GET", path: rp + "fx/bundles/" + f.fxID + "/lineage/downstream"}, nil
		}},
		"POST /v1/runs/{id}/metrics": change("/metrics", api.MetricsRequest{Points: []model.MetricPoint{{Key: "loss", Value: 0.5}}}, true, ""),
		"POST /v1/runs/{id}/inputs":  change("/inputs", api.InputsRequest{Inputs: []model.InputRef{{Repo: "fx", Ref: "main"}}}, true, ""),
		"POST /v1/runs/{id}/heartbeat": change("/heartbeat", map[string]any{}, false,
			"the fixture run has no lease: a heartbeat has nothing to extend"),
		"POST /v1/runs/{id}/finish": change("/finish", api.FinishRequest{Status: model.RunCanceled}, true, ""),
		"POST /v1/runs/{id}/update": change("/update", model.RunUpdate{Tags: map[string]string{"k": "v"}}, true, ""),
		"POST /api/v1/lineage": {need: needWrite, status: 200, mutates: true, build: func(f *amFix) (amReq, *amKey) {
			id := randHexN(16)
			ev := fmt.Sprintf(`{"eventType":"START","eventTime":"2026-12-07T10:00:00Z","run":{"runId":"%s-%s-%s-%s-%s"},`+
				`"job":{"namespace":"datamon://default","name":"%s"},"producer":"https://airflow.example",`+
				`"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json"}`, id[:8], id[8:12], id[12:16], id[16:20], id[20:32], f.name("ol"))
			return amReq{method: "POST", path: "/api/v1/lineage", body: []byte(ev)}, nil
		}},
	}
}

// newRun starts a run of the root key (no lease) reading fx@main.
func (f *amFix) newRun() string {
	var r model.Run
	b := f.mustRoot("POST", "/v1/contexts/default/runs", jsonBody(model.RunStart{Name: f.name("run"),
		Inputs: []model.InputRef{{Repo: "fx", Ref: "main"}}}))
	if err := json.Unmarshal(b, &r); err != nil {
		f.t.Fatal(err)
	}
	return r.ID
}
