package checker

import (
	"fmt"
	"time"

	"github.com/datamon-io/datamon/jepsen/history"
)

// Key workload operation types (history.Op.Type; Op.Key is the access key
// ID).
const (
	// KeyCreate makes a key (Output: nothing; its secret is generation 0).
	KeyCreate = "key-create"
	// KeyRevoke revokes secrets of a key once acknowledged: a rotation
	// without grace revokes one generation, a delete every one (Input
	// RevokeInput).
	KeyRevoke = "key-revoke"
	// KeyPut is an S3 PUT signed with one generation of a key's secret
	// (Input KeyPutInput).
	KeyPut = "key-put"
	// KeyFinal lists every object after the heal (Output KeyFinalOutput).
	KeyFinal = "key-final"
)

// RevokeInput: what a revoke op takes away: generation Gen (a rotation
// with grace 0s), or every generation (All: a delete).
type RevokeInput struct {
	Gen int  `json:"gen"`
	All bool `json:"all,omitempty"`
}

// KeyPutInput names the object a PUT writes and the secret generation it
// is signed with.
type KeyPutInput struct {
	Object string `json:"object"`
	Gen    int    `json:"gen"`
}

// KeyFinalOutput is the final listing.
type KeyFinalOutput struct {
	Objects []string `json:"objects"`
}

// CheckKeys checks that a revoked secret never authorises once its
// revocation was acknowledged: every PUT invoked after the acknowledgement
// of a revoke covering its generation must not succeed ("revoked-
// authorised") and its object must not be in the final listing
// ("revoked-write-stored", whatever the PUT's outcome: an indeterminate
// PUT may apply later). A history without a completed revocation followed
// by a PUT, or without the final listing, proves nothing and is refused.
func CheckKeys(ops []history.Op) Result {
	r := Result{Checker: "keys", Valid: true}
	type revoke struct {
		at  time.Duration // acknowledged
		gen int
		all bool
		id  int
	}
	revokes := map[string][]revoke{}
	var final *KeyFinalOutput
	for _, op := range ops {
		switch op.Type {
		case KeyRevoke:
			in, ok := op.Input.(RevokeInput)
			if ok && op.Status == history.Ok {
				revokes[op.Key] = append(revokes[op.Key], revoke{at: op.Return, gen: in.Gen, all: in.All, id: op.ID})
				r.stat("revokes", 1)
			}
		case KeyFinal:
			if op.Status == history.Ok {
				if out, ok := op.Output.(KeyFinalOutput); ok {
					final = &out
				}
			}
		case KeyCreate:
			if op.Status == history.Ok {
				r.stat("keys", 1)
			}
		}
	}
	stored := map[string]bool{}
	if final != nil {
		for _, o := range final.Objects {
			stored[o] = true
		}
	}
	after := 0
	for _, op := range ops {
		if op.Type != KeyPut {
			continue
		}
		in, ok := op.Input.(KeyPutInput)
		if !ok {
			r.add(Anomaly{Kind: "malformed", Key: op.Key, Detail: fmt.Sprintf("put input %v", op.Input), OpIDs: []int{op.ID}})
			continue
		}
		if op.Status == history.Ok {
			r.stat("puts-ok", 1)
		}
		for _, rv := range revokes[op.Key] {
			if (!rv.all && rv.gen != in.Gen) || op.Call <= rv.at {
				continue
			}
			after++
			if op.Status == history.Ok {
				r.add(Anomaly{Kind: "revoked-authorised", Key: op.Key, OpIDs: []int{rv.id, op.ID},
					Detail: fmt.Sprintf("PUT %s with secret generation %d succeeded %s after its revocation was acknowledged", in.Object, in.Gen, op.Call-rv.at)})
			}
			if stored[in.Object] {
				r.add(Anomaly{Kind: "revoked-write-stored", Key: op.Key, OpIDs: []int{rv.id, op.ID},
					Detail: fmt.Sprintf("%s, PUT %s after the revocation of generation %d, is stored", in.Object, op.Call-rv.at, in.Gen)})
			}
			break
		}
	}
	r.stat("puts-after-revoke", after)
	switch {
	case final == nil:
		r.add(Anomaly{Kind: "no-final-read", Detail: "no successful final listing"})
	case after == 0:
		r.add(Anomaly{Kind: "vacuous", Detail: "no PUT was sent after an acknowledged revocation"})
	}
	return r
}
