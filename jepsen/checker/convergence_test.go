package checker

import (
	"errors"
	"testing"

	"github.com/datamon-io/datamon/jepsen/history"
)

func TestConvergence(t *testing.T) {
	if r := CheckConvergence(map[string]string{"n1": "abc", "n2": "abc", "n3": "abc"}, nil); !r.Valid {
		t.Fatalf("equal hashes rejected: %+v", r)
	}
	for name, tc := range map[string]struct {
		h map[string]string
		e map[string]error
	}{
		"diverged":    {map[string]string{"n1": "abc", "n2": "abd", "n3": "abc"}, nil},
		"unreachable": {map[string]string{"n1": "abc"}, map[string]error{"n2": errors.New("timeout")}},
		"empty":       {map[string]string{"n1": "abc", "n2": ""}, nil},
		"none":        {nil, nil},
	} {
		if r := CheckConvergence(tc.h, tc.e); r.Valid {
			t.Fatalf("%s accepted", name)
		}
	}
}

func TestLiveness(t *testing.T) {
	ops := []history.Op{
		{Status: history.Ok, Return: ms(5)}, {Status: history.Ok, Return: ms(6)},
		{Status: history.Fail, Return: ms(7)}, {Status: history.Ok, Return: ms(50)},
	}
	if r := CheckLiveness("pre", ops, 0, ms(10), 2); !r.Valid {
		t.Fatalf("%+v", r)
	}
	if r := CheckLiveness("post", ops, ms(10), ms(100), 2); r.Valid {
		t.Fatal("idle window passed")
	}
}
