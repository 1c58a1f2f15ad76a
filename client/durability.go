package client

import (
	"context"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Durability types mirror package durability's JSON (the client does not
// import the server packages).

// PassProgress is a periodic pass's progress on one node.
type PassProgress struct {
	Running    bool      `json:"running"`
	Passes     uint64    `json:"passes"`
	Scanned    int64     `json:"scanned"`
	Total      int64     `json:"total"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	LastDone   time.Time `json:"last_done,omitzero"`
	ETASeconds float64   `json:"eta_seconds"`
}

// NodeDurability is one node's durability figures.
type NodeDurability struct {
	ID        string `json:"id"`
	Site      string `json:"site"`
	Capacity  uint64 `json:"capacity"`
	UsedBytes int64  `json:"used_bytes"`
	Shards    int64  `json:"shards"`
	Health    string `json:"health"`
	Error     string `json:"error,omitempty"`
	Repair    struct {
		PassProgress
		RateBytes      uint64  `json:"rate_bytes"`
		RebuiltShards  uint64  `json:"rebuilt_shards"`
		RebuiltBytes   uint64  `json:"rebuilt_bytes"`
		DegradedChunks int64   `json:"degraded_chunks"`
		Failures       uint64  `json:"failures"`
		ThroughputMBps float64 `json:"throughput_mbps"`
	} `json:"repair"`
	Rebalance struct {
		MovedShards   uint64 `json:"moved_shards"`
		MovedBytes    uint64 `json:"moved_bytes"`
		Misplaced     int64  `json:"misplaced"`
		LayoutVersion uint64 `json:"layout_version"`
		DoneVersion   uint64 `json:"done_version"`
	} `json:"rebalance"`
	Scrub struct {
		PassProgress
		RateBytes    uint64 `json:"rate_bytes"`
		CorruptFound uint64 `json:"corrupt_found"`
		Repaired     uint64 `json:"repaired"`
		Failures     uint64 `json:"failures"`
	} `json:"scrub"`
	GC struct {
		Sweeps        uint64 `json:"sweeps"`
		DeletedShards uint64 `json:"deleted_shards"`
		DeletedBytes  uint64 `json:"deleted_bytes"`
	} `json:"gc"`
	Damage struct {
		CorruptFiles  uint64 `json:"corrupt_files"`
		DamagedShards int64  `json:"damaged_shards"`
		Relocated     uint64 `json:"relocated"`
		Rebuilt       uint64 `json:"rebuilt"`
		Quarantined   uint64 `json:"quarantined"`
		Failures      uint64 `json:"failures"`
	} `json:"damage"`
}

// ClusterDurability is every node's figures plus cluster totals.
type ClusterDurability struct {
	LayoutVersion  uint64           `json:"layout_version"`
	LayoutVersions []uint64         `json:"layout_versions"`
	Policy         string           `json:"policy"`
	RepairRate     uint64           `json:"repair_rate"`
	DegradedChunks int64            `json:"degraded_chunks"`
	Misplaced      int64            `json:"misplaced_shards"`
	RepairRunning  int              `json:"repair_running"`
	ScrubRunning   int              `json:"scrub_running"`
	RebalanceDone  bool             `json:"rebalance_done"`
	Nodes          []NodeDurability `json:"nodes"`
}

// FsckOptions selects what fsck checks.
type FsckOptions struct {
	Context string `json:"context,omitempty"`
	Repo    string `json:"repo,omitempty"`
	Verify  bool   `json:"verify,omitempty"`
}

// FsckReport classifies every chunk of every live bundle in scope.
type FsckReport struct {
	LayoutVersion uint64 `json:"layout_version"`
	Policy        string `json:"policy"`
	Bundles       int    `json:"bundles"`
	Chunks        int    `json:"chunks"`
	Healthy       int    `json:"healthy"`
	Misplaced     int    `json:"misplaced"`
	// Waiting: whole chunks (all k+m shards exist) some of whose shards sit
	// on non-owners because their owners (WaitingFor) are down.
	Waiting    int      `json:"waiting"`
	WaitingFor []string `json:"waiting_for,omitempty"`
	Degraded   int      `json:"degraded"`
	AtRisk     int      `json:"at_risk"` // of Degraded: fewer than K+1 shards
	Lost       int      `json:"lost"`
	LostChunks []struct {
		ID      string   `json:"id"`
		Shards  int      `json:"shards"`
		Bundles []string `json:"bundles"`
	} `json:"lost_chunks,omitempty"`
	Unreadable []string `json:"unreadable_bundles,omitempty"`
}

// GCReport is the result of a collection.
type GCReport struct {
	DryRun    bool   `json:"dry_run"`
	Grace     string `json:"grace"`
	Bundles   int    `json:"bundles"`
	Marked    int    `json:"marked"`
	Chunks    int    `json:"chunks"`
	Shards    int64  `json:"shards"`
	Bytes     int64  `json:"bytes"`
	Protected int64  `json:"protected"`
	Nodes     []struct {
		ID        string `json:"id"`
		Shards    int64  `json:"shards"`
		Bytes     int64  `json:"bytes"`
		Protected int64  `json:"protected"`
		Error     string `json:"error,omitempty"`
	} `json:"nodes"`
}

// Durability returns every node's durability figures.
func (c *Client) Durability(ctx context.Context) (ClusterDurability, error) {
	var out ClusterDurability
	return out, c.getJSON(ctx, "/v1/cluster/durability", nil, &out)
}

// Fsck checks every live chunk in scope (root key). ok is false when any
// chunk is lost or a manifest is unreadable.
func (c *Client) Fsck(ctx context.Context, o FsckOptions) (rep FsckReport, ok bool, err error) {
	var out struct {
		OK     bool       `json:"ok"`
		Report FsckReport `json:"report"`
	}
	err = c.sendJSON(ctx, fasthttp.MethodPost, "/v1/cluster/fsck", true, o, &out)
	return out.Report, out.OK, err
}

// GC runs a mark-and-sweep collection (root key). grace is a Go duration
// ("" for the server default, "0s" for none).
func (c *Client) GC(ctx context.Context, dryRun bool, grace string) (GCReport, error) {
	var out GCReport
	in := struct {
		DryRun bool   `json:"dry_run"`
		Grace  string `json:"grace,omitempty"`
	}{dryRun, grace}
	return out, c.sendJSON(ctx, fasthttp.MethodPost, "/v1/gc", false, in, &out)
}

// Drain sets a node's capacity to 0 so its shards move elsewhere (root key).
func (c *Client) Drain(ctx context.Context, id string) error {
	return c.DrainNode(ctx, id, false)
}

// DrainNode is Drain; force skips the server's safety check (a drain that
// would leave chunks below k+1 placed shards is refused with
// model.ErrPrecondition otherwise).
func (c *Client) DrainNode(ctx context.Context, id string, force bool) error {
	if id == "" {
		return fmt.Errorf("%w: node id is empty", model.ErrInvalid)
	}
	return c.sendJSON(ctx, fasthttp.MethodPost, "/v1/cluster/drain", true, struct {
		ID    string `json:"id"`
		Force bool   `json:"force,omitempty"`
	}{id, force}, nil)
}

// Undrain gives a drained node back the capacity it advertises (root key)
// and returns it; model.ErrPrecondition if the node is not drained or not
// up. Resent with its request ID: applied once, so a resend cannot undo a
// drain made in between.
func (c *Client) Undrain(ctx context.Context, id string) (uint64, error) {
	if id == "" {
		return 0, fmt.Errorf("%w: node id is empty", model.ErrInvalid)
	}
	var out struct {
		Capacity uint64 `json:"capacity"`
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, "/v1/cluster/undrain", false, struct {
		ID string `json:"id"`
	}{id}, &out)
	return out.Capacity, err
}

// SetRepairRate sets the cluster-wide repair pace in bytes/s (0: default).
func (c *Client) SetRepairRate(ctx context.Context, bytesPerSec uint64) error {
	// Resent with its request ID: applied once, never undoing another
	// operator's change made in between.
	return c.sendJSON(ctx, fasthttp.MethodPut, "/v1/cluster/repair-rate", false, struct {
		BytesPerSec uint64 `json:"bytes_per_sec"`
	}{bytesPerSec}, nil)
}
