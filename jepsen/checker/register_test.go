package checker

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jepsen/history"
)

// rop builds a register op; ms are call/return in milliseconds.
func rop(proc int, typ, key string, in RegisterInput, out any, call, ret int, st history.Status) history.Op {
	return history.Op{Process: proc, Type: typ, Key: key, Input: in, Output: out,
		Call: time.Duration(call) * time.Millisecond, Return: time.Duration(ret) * time.Millisecond, Status: st}
}

func set(p int, k, v string, c, r int, st history.Status) history.Op {
	return rop(p, RegSet, k, RegisterInput{Value: v}, RegisterOutput{}, c, r, st)
}

func get(p int, k string, found bool, v string, c, r int) history.Op {
	return rop(p, RegGet, k, RegisterInput{}, RegisterOutput{Found: found, Value: v}, c, r, history.Ok)
}

func cas(p int, k, exp, v string, applied bool, c, r int) history.Op {
	return rop(p, RegCAS, k, RegisterInput{Value: v, Expect: exp}, RegisterOutput{Applied: applied}, c, r, history.Ok)
}

func TestRegisterGood(t *testing.T) {
	ops := []history.Op{
		get(0, "a", false, "", 0, 1),
		set(0, "a", "1", 2, 3, history.Ok),
		rop(1, RegCreate, "a", RegisterInput{Value: "x"}, RegisterOutput{Applied: false}, 4, 5, history.Ok),
		cas(1, "a", "1", "2", true, 6, 10),
		get(0, "a", true, "1", 7, 8), // concurrent with the cas: may precede it
		get(0, "a", true, "2", 11, 12),
		set(2, "a", "3", 13, 0, history.Info), // indeterminate: may apply any time later
		get(0, "a", true, "2", 20, 21),
		get(0, "a", true, "3", 30, 31),
		set(2, "a", "9", 32, 33, history.Fail), // definitely not applied
		get(1, "a", true, "3", 40, 41),
		set(1, "b", "1", 0, 50, history.Ok), // another key, partitioned
		get(2, "b", true, "1", 51, 52),
	}
	r := CheckRegister(ops, RegisterConfig{})
	if !r.Valid {
		t.Fatalf("good history rejected: %+v", r)
	}
}

func TestRegisterBad(t *testing.T) {
	for name, ops := range map[string][]history.Op{
		"stale read": {
			set(0, "a", "1", 0, 1, history.Ok), set(0, "a", "2", 2, 3, history.Ok), get(1, "a", true, "1", 4, 5),
		},
		"failed write visible": {
			set(0, "a", "1", 0, 1, history.Ok), set(1, "a", "9", 2, 3, history.Fail), get(1, "a", true, "9", 4, 5),
		},
		"cas applied on mismatch": {
			set(0, "a", "1", 0, 1, history.Ok), cas(1, "a", "0", "2", true, 2, 3),
		},
		"cas refused on match": {
			set(0, "a", "1", 0, 1, history.Ok), cas(1, "a", "1", "2", false, 2, 3),
		},
		"indeterminate write un-applied": {
			set(0, "a", "1", 0, 1, history.Ok), set(1, "a", "2", 2, 0, history.Info),
			get(0, "a", true, "2", 5, 6), get(0, "a", true, "1", 7, 8),
		},
		"lost create": {
			rop(0, RegCreate, "a", RegisterInput{Value: "x"}, RegisterOutput{Applied: true}, 0, 1, history.Ok), get(1, "a", false, "", 2, 3),
		},
	} {
		dir := t.TempDir()
		r := CheckRegister(ops, RegisterConfig{ResultsDir: dir})
		if r.Valid || r.Anomalies[0].Kind != "nonlinearizable" {
			t.Fatalf("%s: bad history accepted: %+v", name, r)
		}
		if len(r.Artifacts) != 1 {
			t.Fatalf("%s: no visualization", name)
		}
		if b, err := os.ReadFile(r.Artifacts[0]); err != nil || len(b) < 100 {
			t.Fatalf("%s: visualization %v", name, err)
		}
	}
}

func TestRegisterUnknownIsFailure(t *testing.T) {
	// Many overlapping writes and reads of one key: the search cannot finish
	// in 1ns, so porcupine answers Unknown, which must count as a failure.
	var ops []history.Op
	for i := range 400 {
		ops = append(ops, set(i%40, "k", fmt.Sprint(i), i, 1000+i, history.Ok))
		ops = append(ops, get(i%40, "k", true, fmt.Sprint(399-i), i, 1000+i))
	}
	r := CheckRegister(ops, RegisterConfig{Timeout: time.Nanosecond})
	if r.Valid {
		t.Fatalf("undecided check passed: %+v", r)
	}
	if r.Anomalies[0].Kind != "unknown" {
		t.Fatalf("kind %s", r.Anomalies[0].Kind)
	}
}

func TestRegisterMalformed(t *testing.T) {
	r := CheckRegister([]history.Op{{Type: RegSet, Key: "a", Input: "oops", Status: history.Ok}}, RegisterConfig{})
	if r.Valid {
		t.Fatal("malformed history accepted")
	}
}
