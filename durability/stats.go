package durability

import (
	"sync"
	"time"
)

// PassProgress is the progress of a periodic pass over the local store.
type PassProgress struct {
	Running    bool      `json:"running"`
	Passes     uint64    `json:"passes"`  // completed passes
	Scanned    int64     `json:"scanned"` // shards scanned in the current (or last) pass
	Total      int64     `json:"total"`   // shards held when the pass started
	StartedAt  time.Time `json:"started_at,omitzero"`
	LastDone   time.Time `json:"last_done,omitzero"`
	ETASeconds float64   `json:"eta_seconds"` // remaining time of the running pass (0 when idle)
}

// RepairStatus is the repair scanner's figures on one node.
type RepairStatus struct {
	PassProgress
	RateBytes      uint64  `json:"rate_bytes"`      // effective pace, bytes/s
	RebuiltShards  uint64  `json:"rebuilt_shards"`  // total since start
	RebuiltBytes   uint64  `json:"rebuilt_bytes"`   // shard bytes written by rebuilds and moves since start
	DegradedChunks int64   `json:"degraded_chunks"` // found by this node's last complete pass
	Failures       uint64  `json:"failures"`        // rebuilds or moves that failed
	ThroughputMBps float64 `json:"throughput_mbps"` // rebuilt+moved MB/s of the last pass with work
}

// RebalanceStatus is the shard mover's figures on one node.
type RebalanceStatus struct {
	MovedShards   uint64 `json:"moved_shards"`
	MovedBytes    uint64 `json:"moved_bytes"`
	Misplaced     int64  `json:"misplaced"`      // local shards not where the current layout puts them (last pass)
	LayoutVersion uint64 `json:"layout_version"` // current layout version
	DoneVersion   uint64 `json:"done_version"`   // last version this node finished
}

// ScrubStatus is the scrubber's figures on one node.
type ScrubStatus struct {
	PassProgress
	RateBytes    uint64 `json:"rate_bytes"`
	CorruptFound uint64 `json:"corrupt_found"`
	Repaired     uint64 `json:"repaired"`
	Failures     uint64 `json:"failures"`
}

// GCStatus is the GC sweeps' figures on one node.
type GCStatus struct {
	Sweeps        uint64 `json:"sweeps"`
	DeletedShards uint64 `json:"deleted_shards"`
	DeletedBytes  uint64 `json:"deleted_bytes"`
}

// stats holds the counters behind Status; guarded by mu.
type stats struct {
	mu        sync.Mutex
	repair    RepairStatus
	rebalance RebalanceStatus
	scrub     ScrubStatus
	gc        GCStatus
	damage    DamageStatus
}

func (st *stats) update(fn func(st *stats)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fn(st)
}

// begin marks a pass started over total shards.
func (p *PassProgress) begin(total int64) {
	p.Running, p.Scanned, p.Total, p.StartedAt, p.ETASeconds = true, 0, total, time.Now(), 0
}

// advance counts n scanned shards and updates the ETA.
func (p *PassProgress) advance(n int64) {
	p.Scanned += n
	el := time.Since(p.StartedAt).Seconds()
	if p.Scanned > 0 && el > 0 {
		p.ETASeconds = float64(max(p.Total-p.Scanned, 0)) / (float64(p.Scanned) / el)
	}
}

func (p *PassProgress) end(complete bool) {
	p.Running, p.ETASeconds = false, 0
	if complete {
		p.Passes++
		p.LastDone = time.Now()
	}
}
