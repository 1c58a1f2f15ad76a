package checker

import (
	"fmt"
	"sort"
	"strings"

	"github.com/datamon-io/datamon/jepsen/history"
)

// Set operation types.
const (
	SetPut  = "put"
	SetRead = "read"
)

// PutInput is the Input of a put; Op.Key is the object key (unique per put).
type PutInput struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// ReadInput is the Input of a read.
type ReadInput struct {
	Prefix string `json:"prefix"` // the read lists every object under Prefix
	Final  bool   `json:"final"`  // the final read after heal + quiet period
}

// ReadOutput is the Output of an ok read: every key listed, with the sha256
// of the bytes fetched ("" when only listed, not fetched).
type ReadOutput struct {
	Objects map[string]string `json:"objects"`
}

// CheckSet checks the object-set workload:
//   - lost: an ok put missing (or different) in a final read;
//   - stale: an ok read that began after an ok put returned misses it;
//   - corrupt: a read returns bytes whose hash differs from what was put;
//   - unexpected: a read returns a key never put, or one whose put definitely failed;
//   - no-final-read: nothing to check lost writes against.
//
// Indeterminate puts may appear or not ("recovered" counts those that did).
func CheckSet(ops []history.Op) Result {
	r := Result{Checker: "set", Valid: true}
	type put struct {
		op history.Op
		in PutInput
	}
	puts := map[string]put{}
	var reads []history.Op
	for _, op := range ops {
		switch op.Type {
		case SetPut:
			in, ok := op.Input.(PutInput)
			if !ok {
				r.add(Anomaly{Kind: "malformed", Detail: fmt.Sprintf("op %d input %T", op.ID, op.Input), OpIDs: []int{op.ID}})
				continue
			}
			if prev, dup := puts[op.Key]; dup {
				r.add(Anomaly{Kind: "malformed", Key: op.Key, Detail: "key put twice; set keys must be unique", OpIDs: []int{prev.op.ID, op.ID}})
			}
			puts[op.Key] = put{op, in}
			r.stat("put-"+string(op.Status), 1)
		case SetRead:
			if op.Status == history.Ok {
				reads = append(reads, op)
			}
		}
	}
	recovered := map[string]bool{}
	finals := 0
	for _, rd := range reads {
		in, _ := rd.Input.(ReadInput)
		out, ok := rd.Output.(ReadOutput)
		if !ok {
			r.add(Anomaly{Kind: "malformed", Detail: fmt.Sprintf("read %d output %T", rd.ID, rd.Output), OpIDs: []int{rd.ID}})
			continue
		}
		r.stat("reads", 1)
		for k, h := range out.Objects {
			p, ok := puts[k]
			switch {
			case !ok:
				r.add(Anomaly{Kind: "unexpected", Key: k, Detail: "read returned a key never put", OpIDs: []int{rd.ID}})
			case p.op.Status == history.Fail:
				r.add(Anomaly{Kind: "unexpected", Key: k, Detail: "read returned a key whose put definitely failed", OpIDs: []int{p.op.ID, rd.ID}})
			case h != "" && h != p.in.SHA256:
				r.add(Anomaly{Kind: "corrupt", Key: k, Detail: fmt.Sprintf("read sha256 %s, put %s", h, p.in.SHA256), OpIDs: []int{p.op.ID, rd.ID}})
			}
			if ok && p.op.Status != history.Ok && p.op.Status != history.Fail {
				recovered[k] = true
			}
		}
		if in.Final {
			finals++
		}
		for k, p := range puts {
			if p.op.Status != history.Ok || !strings.HasPrefix(k, in.Prefix) {
				continue
			}
			if _, seen := out.Objects[k]; seen {
				continue
			}
			if in.Final {
				r.add(Anomaly{Kind: "lost", Key: k, Detail: "acknowledged put missing from the final read", OpIDs: []int{p.op.ID, rd.ID}})
			} else if rd.Call > p.op.Return {
				r.add(Anomaly{Kind: "stale", Key: k, Detail: fmt.Sprintf("read began %v after the put was acknowledged and missed it", rd.Call-p.op.Return), OpIDs: []int{p.op.ID, rd.ID}})
			}
		}
	}
	if finals == 0 {
		r.add(Anomaly{Kind: "no-final-read", Detail: "history has no ok final read; lost writes cannot be ruled out"})
	}
	r.stat("recovered", len(recovered))
	sort.Slice(r.Anomalies, func(i, j int) bool { return r.Anomalies[i].Key < r.Anomalies[j].Key })
	return r
}
