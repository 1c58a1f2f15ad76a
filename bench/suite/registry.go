package suite

import (
	"context"
	"strings"
	"time"

	"github.com/datamon-io/datamon/bench/report"
)

// Report groups of figures, in run order.
const (
	GroupCeiling = "ceiling"
	GroupPeer    = "peer"
	GroupProduct = "product"
	GroupScale   = "scale"
)

// Func measures one figure. It may return measurements together with an
// error; an error wrapping ErrSkipped records the figure as skipped.
type Func func(ctx context.Context, env *Env) ([]report.Measurement, error)

// Figure is one registered benchmark.
type Figure struct {
	Name  string // stable ID used by -only, e.g. "product.labels"
	Group string
	Unit  string // unit of the placeholder row when it fails or is skipped
	// Peer marks figures run by peers (-skip-peers drops them).
	Peer bool
	// Doc is one line for -list and the README.
	Doc string
	// Timeout, when longer than the profile's FigureTimeout, replaces it
	// (figures that start their own cluster).
	Timeout time.Duration
	Run     Func
}

// Registry is an ordered set of figures.
type Registry struct{ figs []Figure }

// Register appends f (figures run in registration order).
func (r *Registry) Register(f Figure) { r.figs = append(r.figs, f) }

// Figures lists the figures.
func (r *Registry) Figures() []Figure { return append([]Figure(nil), r.figs...) }

// Select returns the figures matching only (exact name, group, or name
// prefix followed by "."); all when only is empty. Peers are dropped when
// skipPeers.
func (r *Registry) Select(only []string, skipPeers bool) []Figure {
	var out []Figure
	for _, f := range r.figs {
		if skipPeers && f.Peer {
			continue
		}
		if len(only) == 0 || matches(f, only) {
			out = append(out, f)
		}
	}
	return out
}

func matches(f Figure, only []string) bool {
	for _, o := range only {
		if o == f.Name || o == f.Group || strings.HasPrefix(f.Name, o+".") {
			return true
		}
	}
	return false
}

// Default is the registry of every figure of the suite.
func Default() *Registry {
	r := &Registry{}
	registerCeilings(r)
	registerPeers(r)
	registerProduct(r)
	registerPython(r) // fig_python.go
	registerIdentity(r)
	return r
}
