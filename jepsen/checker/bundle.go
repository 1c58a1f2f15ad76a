package checker

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/datamon-io/datamon/jepsen/history"
)

// Bundle operation types; Op.Key names the bundle (a label or bundle ID).
const (
	BundleCommit = "commit"
	BundleReadOp = "read-bundle"
	// BundleSquash deletes past versions no key names (Key empty); reads
	// must stay valid, which CheckBundles checks as for any other history.
	BundleSquash = "squash"
)

// Commit is the Input of a commit: one version of a bundle, file name → sha256.
type Commit struct {
	Version string            `json:"version"`
	Files   map[string]string `json:"files"`
}

// BundleRead is the Output of an ok read: the files seen (empty = nothing
// visible yet).
type BundleRead struct {
	Files map[string]string `json:"files"`
}

// CheckBundles checks read atomicity: every ok read of a bundle key sees
// exactly the files of one committed (ok or indeterminate) version, or
// nothing. A proper subset of a version is "fractured"; files drawn from
// several versions are "mixed"; a version whose commit definitely failed is
// "failed-visible". When a key has exactly one version, a read that began
// after its commit was acknowledged must see it ("stale").
func CheckBundles(ops []history.Op) Result {
	r := Result{Checker: "bundle", Valid: true}
	commits := map[string][]history.Op{}
	for _, op := range ops {
		if op.Type == BundleSquash && op.Status == history.Ok {
			r.stat("squashes", 1)
		}
		if op.Type == BundleCommit {
			if _, ok := op.Input.(Commit); !ok {
				r.add(Anomaly{Kind: "malformed", Detail: fmt.Sprintf("commit %d input %T", op.ID, op.Input), OpIDs: []int{op.ID}})
				continue
			}
			commits[op.Key] = append(commits[op.Key], op)
		}
	}
	for _, rd := range ops {
		if rd.Type != BundleReadOp || rd.Status != history.Ok {
			continue
		}
		out, ok := rd.Output.(BundleRead)
		if !ok {
			r.add(Anomaly{Kind: "malformed", Detail: fmt.Sprintf("read %d output %T", rd.ID, rd.Output), OpIDs: []int{rd.ID}})
			continue
		}
		r.stat("reads", 1)
		cs := commits[rd.Key]
		if len(out.Files) == 0 {
			r.stat("empty-reads", 1)
			if len(cs) == 1 && cs[0].Status == history.Ok && rd.Call > cs[0].Return {
				r.add(Anomaly{Kind: "stale", Key: rd.Key, Detail: "read began after the commit was acknowledged and saw nothing", OpIDs: []int{cs[0].ID, rd.ID}})
			}
			continue
		}
		if a, bad := judge(rd, out, cs); bad {
			r.add(a)
		}
	}
	return r
}

// judge classifies a non-empty read against the commits of its key.
func judge(rd history.Op, out BundleRead, cs []history.Op) (Anomaly, bool) {
	var subsetOf []string
	sources := map[string]bool{}
	for _, c := range cs {
		in := c.Input.(Commit)
		if maps.Equal(in.Files, out.Files) {
			if c.Status == history.Fail {
				return Anomaly{Kind: "failed-visible", Key: rd.Key, Detail: "read saw version " + in.Version + " whose commit definitely failed", OpIDs: []int{c.ID, rd.ID}}, true
			}
			return Anomaly{}, false
		}
		sub := true
		for f, h := range out.Files {
			if in.Files[f] != h {
				sub = false
			} else {
				sources[in.Version] = true
			}
		}
		if sub {
			subsetOf = append(subsetOf, in.Version)
		}
	}
	ids := []int{rd.ID}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	files := make([]string, 0, len(out.Files))
	for f := range out.Files {
		files = append(files, f)
	}
	sort.Strings(files)
	switch {
	case len(subsetOf) > 0:
		return Anomaly{Kind: "fractured", Key: rd.Key, Detail: fmt.Sprintf("read saw %d files %v, a proper part of version %s", len(files), files, subsetOf[0]), OpIDs: ids}, true
	case len(sources) > 1:
		vs := make([]string, 0, len(sources))
		for v := range sources {
			vs = append(vs, v)
		}
		sort.Strings(vs)
		return Anomaly{Kind: "mixed", Key: rd.Key, Detail: "read mixed files of versions " + strings.Join(vs, ", "), OpIDs: ids}, true
	default:
		return Anomaly{Kind: "unexpected", Key: rd.Key, Detail: fmt.Sprintf("read saw files %v matching no committed version", files), OpIDs: ids}, true
	}
}
