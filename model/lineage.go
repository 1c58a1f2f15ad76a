package model

import "time"

// Lineage directions.
const (
	Upstream   = "upstream"   // what produced it: runs and the bundles they read
	Downstream = "downstream" // what consumed it: runs and the bundles they wrote
)

// LineageQuery starts a lineage walk at a run (RunID) or a bundle
// (Context, Repo, Bundle). Depth bounds the run hops (0: no bound but
// the answer size); MaxNodes bounds the answer (the walk stops there and
// says Truncated).
type LineageQuery struct {
	Direction string `json:"direction"`
	RunID     string `json:"run,omitempty"`
	Context   string `json:"context,omitempty"`
	Repo      string `json:"repo,omitempty"`
	Bundle    string `json:"bundle,omitempty"`
	Depth     int    `json:"depth,omitempty"`
	MaxNodes  int    `json:"max_nodes,omitempty"`
}

// LineageRun is a run as lineage shows it.
type LineageRun struct {
	ID       string            `json:"id"`
	Context  string            `json:"context"`
	Name     string            `json:"name"`
	Pipeline string            `json:"pipeline,omitempty"`
	Step     string            `json:"step,omitempty"`
	Owner    string            `json:"owner"`
	Status   RunStatus         `json:"status"`
	Started  time.Time         `json:"started"`
	Ended    time.Time         `json:"ended,omitzero"`
	Params   map[string]string `json:"params,omitempty"`
	Code     CodeRef           `json:"code,omitzero"`
}

// LineageBundle is a bundle as lineage shows it (Missing: the run names a
// bundle that no longer exists, e.g. its repo was deleted).
type LineageBundle struct {
	Context string `json:"context"`
	Repo    string `json:"repo"`
	ID      string `json:"id"`
	Message string `json:"message,omitempty"`
	Run     string `json:"run,omitempty"`
	Missing bool   `json:"missing,omitempty"`
}

// LineageNode is a run or a bundle of the graph. Depth is its distance in
// run hops from the start. Hidden nodes are bundles of repos (or runs of
// contexts) the caller may not read: only their key is shown.
type LineageNode struct {
	Key    string         `json:"key"` // "run:ID" or "bundle:context/repo@ID"
	Kind   string         `json:"kind"`
	Depth  int            `json:"depth"`
	Hidden bool           `json:"hidden,omitempty"`
	Run    *LineageRun    `json:"run,omitempty"`
	Bundle *LineageBundle `json:"bundle,omitempty"`
}

// LineageEdge points the way data flowed: bundle -> run (the run read it,
// Kind "input", with the label and path it was read through) or run ->
// bundle (Kind "output").
type LineageEdge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Kind  string `json:"kind"`
	Label string `json:"label,omitempty"`
	Path  string `json:"path,omitempty"`
}

// Lineage is the answer of a walk: nodes in visiting order (the start
// first), the edges between them.
type Lineage struct {
	Root      string        `json:"root"`
	Direction string        `json:"direction"`
	Depth     int           `json:"depth,omitempty"`
	Nodes     []LineageNode `json:"nodes"`
	Edges     []LineageEdge `json:"edges"`
	Truncated bool          `json:"truncated,omitempty"`
}

// RunNodeKey and BundleNodeKey name lineage nodes.
func RunNodeKey(id string) string { return "run:" + id }

// BundleNodeKey names a bundle node.
func BundleNodeKey(context, repo, id string) string {
	return "bundle:" + context + "/" + repo + "@" + id
}
