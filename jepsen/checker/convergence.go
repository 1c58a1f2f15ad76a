package checker

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/datamon-io/datamon/jepsen/history"
)

// CheckConvergence checks that every node reported the same, non-empty state
// hash after heal. hashes maps node ID → hash; errs maps node ID → error
// fetching it (a node that cannot answer has not converged).
func CheckConvergence(hashes map[string]string, errs map[string]error) Result {
	r := Result{Checker: "convergence", Valid: true}
	ids := make([]string, 0, len(hashes)+len(errs))
	for id := range hashes {
		ids = append(ids, id)
	}
	for id, err := range errs {
		if err != nil {
			r.add(Anomaly{Kind: "unreachable", Key: id, Detail: err.Error()})
		}
	}
	sort.Strings(ids)
	groups := map[string][]string{}
	for _, id := range ids {
		if hashes[id] == "" {
			r.add(Anomaly{Kind: "no-hash", Key: id, Detail: "empty state hash"})
			continue
		}
		groups[hashes[id]] = append(groups[hashes[id]], id)
	}
	if len(groups) > 1 {
		var parts []string
		for h, ns := range groups {
			parts = append(parts, fmt.Sprintf("%s…=%v", h[:min(12, len(h))], ns))
		}
		sort.Strings(parts)
		r.add(Anomaly{Kind: "diverged", Detail: strings.Join(parts, " ")})
	}
	if len(ids) == 0 {
		r.add(Anomaly{Kind: "no-hash", Detail: "no node reported a hash"})
	}
	r.stat("nodes", len(ids))
	return r
}

// CheckLiveness requires at least min ok ops whose return falls inside
// [from, to) — the floor that keeps a run that does nothing from passing.
func CheckLiveness(name string, ops []history.Op, from, to time.Duration, minOK int) Result {
	r := Result{Checker: "liveness-" + name, Valid: true}
	n := 0
	for _, op := range ops {
		if op.Status == history.Ok && op.Return >= from && op.Return < to {
			n++
		}
	}
	r.stat("ok", n)
	if n < minOK {
		r.add(Anomaly{Kind: "liveness", Detail: fmt.Sprintf("%d ok ops in [%v, %v), want ≥ %d", n, from, to, minOK)})
	}
	return r
}
