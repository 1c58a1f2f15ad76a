package checker

import (
	"testing"
	"time"

	"github.com/datamon-io/datamon/jepsen/history"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func put(k, h string, c, r int, st history.Status) history.Op {
	return history.Op{Type: SetPut, Key: k, Input: PutInput{SHA256: h}, Call: ms(c), Return: ms(r), Status: st}
}

func read(prefix string, final bool, objs map[string]string, c, r int) history.Op {
	return history.Op{Type: SetRead, Input: ReadInput{Prefix: prefix, Final: final}, Output: ReadOutput{Objects: objs}, Call: ms(c), Return: ms(r), Status: history.Ok}
}

func goodSet() []history.Op {
	return []history.Op{
		put("p/a", "ha", 0, 10, history.Ok),
		put("p/b", "hb", 5, 0, history.Info),                      // indeterminate: may or may not appear
		put("p/c", "hc", 6, 7, history.Fail),                      // definitely not written
		read("p/", false, map[string]string{}, 1, 2),              // began before the ack of p/a
		read("p/", false, map[string]string{"p/a": "ha"}, 11, 12), // after the ack: sees it
		read("q/", false, map[string]string{}, 13, 14),            // other prefix
		read("p/", true, map[string]string{"p/a": "", "p/b": "hb"}, 20, 21),
	}
}

func TestSetGood(t *testing.T) {
	r := CheckSet(goodSet())
	if !r.Valid {
		t.Fatalf("good history rejected: %+v", r)
	}
	if r.Stats["recovered"] != 1 {
		t.Fatalf("stats %v", r.Stats)
	}
}

func TestSetBad(t *testing.T) {
	base := func(extra ...history.Op) []history.Op { return append(goodSet(), extra...) }
	for kind, ops := range map[string][]history.Op{
		"lost":          base(read("p/", true, map[string]string{"p/b": "hb"}, 30, 31)),
		"stale":         base(read("p/", false, map[string]string{}, 15, 16)),
		"corrupt":       base(read("p/", false, map[string]string{"p/a": "XX"}, 15, 16)),
		"unexpected":    base(read("p/", false, map[string]string{"p/a": "ha", "p/zz": "h"}, 15, 16)),
		"no-final-read": goodSet()[:6],
	} {
		if kind == "unexpected" {
			ops = append(ops, read("p/", false, map[string]string{"p/a": "ha", "p/c": "hc"}, 17, 18))
		}
		r := CheckSet(ops)
		if r.Valid {
			t.Fatalf("%s: bad history accepted", kind)
		}
		found := false
		for _, a := range r.Anomalies {
			found = found || a.Kind == kind
		}
		if !found {
			t.Fatalf("%s: anomalies %+v", kind, r.Anomalies)
		}
	}
}
