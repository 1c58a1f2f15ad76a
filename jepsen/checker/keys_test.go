package checker

import (
	"testing"
	"time"

	"github.com/datamon-io/datamon/jepsen/history"
)

func keyOp(typ, key string, in, out any, call, ret time.Duration, st history.Status) history.Op {
	return history.Op{Type: typ, Key: key, Input: in, Output: out, Call: call, Return: ret, Status: st}
}

// A PUT with a revoked generation invoked after the revocation's ack must
// fail and leave nothing; concurrent ones, other generations and PUTs
// before the ack are free; empty or final-less histories are refused.
func TestCheckKeys(t *testing.T) {
	s := time.Second
	base := []history.Op{
		keyOp(KeyCreate, "K", nil, nil, 0, s, history.Ok),
		keyOp(KeyPut, "K", KeyPutInput{Object: "a", Gen: 0}, nil, s, 2*s, history.Ok),
		keyOp(KeyRevoke, "K", RevokeInput{Gen: 0}, nil, 3*s, 4*s, history.Ok),                             // rotate, grace 0
		keyOp(KeyPut, "K", KeyPutInput{Object: "b", Gen: 0}, nil, 3500*time.Millisecond, 5*s, history.Ok), // concurrent with the rotation
		keyOp(KeyPut, "K", KeyPutInput{Object: "c", Gen: 1}, nil, 5*s, 6*s, history.Ok),                   // new secret
		keyOp(KeyPut, "K", KeyPutInput{Object: "d", Gen: 0}, nil, 5*s, 6*s, history.Fail),                 // old secret after: refused
		keyOp(KeyRevoke, "K", RevokeInput{All: true}, nil, 7*s, 8*s, history.Ok),                          // delete
		keyOp(KeyPut, "K", KeyPutInput{Object: "e", Gen: 1}, nil, 9*s, 10*s, history.Info),                // indeterminate after delete
	}
	ok := append(append([]history.Op(nil), base...), keyOp(KeyFinal, "", nil, KeyFinalOutput{Objects: []string{"a", "b", "c"}}, 11*s, 12*s, history.Ok))
	if r := CheckKeys(ok); !r.Valid || r.Stats["puts-after-revoke"] != 2 {
		t.Fatalf("valid history: %s", r)
	}
	authorised := append([]history.Op(nil), ok...)
	authorised[5].Status = history.Ok
	if r := CheckKeys(authorised); r.Valid || r.Anomalies[0].Kind != "revoked-authorised" {
		t.Fatalf("old secret accepted after the rotation: %s", r)
	}
	stored := append(append([]history.Op(nil), base...), keyOp(KeyFinal, "", nil, KeyFinalOutput{Objects: []string{"a", "e"}}, 11*s, 12*s, history.Ok))
	if r := CheckKeys(stored); r.Valid || r.Anomalies[0].Kind != "revoked-write-stored" || r.Anomalies[0].Key != "K" {
		t.Fatalf("a write after the delete stored: %s", r)
	}
	if r := CheckKeys(base); r.Valid || r.Anomalies[0].Kind != "no-final-read" {
		t.Fatalf("no final read: %s", r)
	}
	if r := CheckKeys([]history.Op{keyOp(KeyFinal, "", nil, KeyFinalOutput{}, 0, s, history.Ok)}); r.Valid || r.Anomalies[0].Kind != "vacuous" {
		t.Fatalf("nothing checked: %s", r)
	}
}
