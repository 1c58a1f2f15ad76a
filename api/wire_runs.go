package api

import "github.com/datamon-io/datamon/model"

// MetricsRequest is the body of POST /v1/runs/{id}/metrics.
type MetricsRequest struct {
	Points []model.MetricPoint `json:"points"`
}

// InputsRequest is the body of POST /v1/runs/{id}/inputs.
type InputsRequest struct {
	Inputs []model.InputRef `json:"inputs"`
}

// FinishRequest is the body of POST /v1/runs/{id}/finish.
type FinishRequest struct {
	Status model.RunStatus `json:"status"`
	Reason string          `json:"reason,omitempty"`
}
