package api

import "context"

// Durability serves the durability routes (status, fsck, drain, repair rate,
// gc). It is optional: the Cluster passed to New implements it when the node
// runs the durability service; otherwise those routes answer 404.
// Reports are returned as JSON-encodable values and passed through verbatim.
type Durability interface {
	// DurabilityStatus is every node's durability figures plus cluster totals.
	DurabilityStatus(ctx context.Context) (any, error)
	// Fsck checks every live chunk in scope; ok is false when anything is lost.
	Fsck(ctx context.Context, req FsckRequest) (report any, ok bool, err error)
	// GC runs (or simulates) a mark-and-sweep collection.
	GC(ctx context.Context, req GCRequest) (any, error)
	// DrainNode sets a node's capacity to 0 in a new layout version.
	DrainNode(ctx context.Context, id string) error
	// UndrainNode gives a drained node back the capacity it advertises
	// (new layout version) and returns it; model.ErrPrecondition if the
	// node is not drained or not up.
	UndrainNode(ctx context.Context, id string) (uint64, error)
	// SetRepairRate sets the cluster-wide repair pace (bytes/s; 0 = default).
	SetRepairRate(ctx context.Context, bytesPerSec uint64) error
	// CheckRemoval reports whether removing node id now keeps every chunk
	// recoverable: nil, or an error wrapping model.ErrPrecondition that
	// says why not (another node down, chunks degraded, a rebalance still
	// running).
	CheckRemoval(ctx context.Context, id string) error
	// CheckDrain reports whether draining node id keeps every chunk at
	// k+1 placed shards or more: nil, or an error wrapping
	// model.ErrPrecondition that says why not.
	CheckDrain(ctx context.Context, id string) error
}

// FsckRequest is the body of POST /v1/cluster/fsck.
type FsckRequest struct {
	Context string `json:"context,omitempty"`
	Repo    string `json:"repo,omitempty"`
	Verify  bool   `json:"verify,omitempty"`
}

// GCRequest is the body of POST /v1/gc.
type GCRequest struct {
	DryRun bool `json:"dry_run"`
	// Grace is a Go duration ("1h", "0s"); empty: the service default.
	Grace string `json:"grace,omitempty"`
}

// DrainRequest is the body of POST /v1/cluster/drain.
type DrainRequest struct {
	ID string `json:"id"`
	// Force skips the drain safety check (Durability.CheckDrain).
	Force bool `json:"force,omitempty"`
}

// UndrainResponse answers POST /v1/cluster/undrain (body: DrainRequest).
type UndrainResponse struct {
	ID       string `json:"id"`
	Capacity uint64 `json:"capacity"`
}

// RepairRateRequest is the body of PUT /v1/cluster/repair-rate.
type RepairRateRequest struct {
	BytesPerSec uint64 `json:"bytes_per_sec"`
}

// FsckResponse wraps a fsck report.
type FsckResponse struct {
	OK     bool `json:"ok"`
	Report any  `json:"report"`
}
