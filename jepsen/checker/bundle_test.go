package checker

import (
	"testing"

	"github.com/datamon-io/datamon/jepsen/history"
)

func commit(key, ver string, files map[string]string, c, r int, st history.Status) history.Op {
	return history.Op{Type: BundleCommit, Key: key, Input: Commit{Version: ver, Files: files}, Call: ms(c), Return: ms(r), Status: st}
}

func bread(key string, files map[string]string, c, r int) history.Op {
	return history.Op{Type: BundleReadOp, Key: key, Output: BundleRead{Files: files}, Call: ms(c), Return: ms(r), Status: history.Ok}
}

var (
	v1 = map[string]string{"a": "a1", "b": "b1", "c": "c1"}
	v2 = map[string]string{"a": "a2", "b": "b2", "c": "c2"}
	v3 = map[string]string{"a": "a3", "b": "b3"}
)

func goodBundles() []history.Op {
	return []history.Op{
		commit("label", "v1", v1, 0, 10, history.Ok),
		commit("label", "v2", v2, 20, 0, history.Info),
		commit("label", "v3", v3, 30, 31, history.Fail),
		bread("label", nil, 1, 2),
		bread("label", v1, 5, 12),
		bread("label", v2, 25, 26),
		commit("b-123", "only", v1, 40, 41, history.Ok),
		bread("b-123", nil, 40, 45), // concurrent with its commit
		bread("b-123", v1, 42, 43),
	}
}

func TestBundlesGood(t *testing.T) {
	if r := CheckBundles(goodBundles()); !r.Valid {
		t.Fatalf("good history rejected: %+v", r)
	}
}

func TestBundlesBad(t *testing.T) {
	for kind, extra := range map[string]history.Op{
		"fractured":      bread("label", map[string]string{"a": "a1", "b": "b1"}, 50, 51),
		"mixed":          bread("label", map[string]string{"a": "a1", "b": "b2", "c": "c2"}, 50, 51),
		"failed-visible": bread("label", v3, 50, 51),
		"unexpected":     bread("label", map[string]string{"z": "zz"}, 50, 51),
		"stale":          bread("b-123", nil, 50, 51),
	} {
		r := CheckBundles(append(goodBundles(), extra))
		if r.Valid || r.Anomalies[0].Kind != kind {
			t.Fatalf("%s: got %+v", kind, r)
		}
	}
}
