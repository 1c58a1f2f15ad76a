package lfs

import (
	"strings"
	"testing"
)

// Every listed route is the one its pattern dispatches to (no row shadows
// another), and paths off the table match nothing.
func TestRoutesDispatch(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Routes() {
		k := r.Method + " " + r.Pattern
		if seen[k] {
			t.Errorf("route %s listed twice", k)
		}
		seen[k] = true
		rest := strings.Split(r.Pattern, "/")
		for i, s := range rest {
			if strings.HasPrefix(s, "{") {
				rest[i] = "x" + s[1:len(s)-1]
			}
		}
		got := lookup(r.Method, rest)
		if got == nil || got.Method != r.Method || got.Pattern != r.Pattern {
			t.Errorf("%s %v dispatches to %+v", r.Method, rest, got)
		}
		if r.Perm == "" || r.Op == "" {
			t.Errorf("route %s names no permission or operation", k)
		}
	}
	for _, c := range []struct {
		method string
		rest   []string
	}{
		{"GET", []string{"objects", "batch", "x"}}, {"DELETE", []string{"locks"}}, {"POST", []string{"locks", "id", "lock"}},
		{"GET", []string{"datamon"}}, {"PATCH", []string{"objects", "x"}}, {"GET", []string{"locks", "verify", "x"}},
	} {
		if got := lookup(c.method, c.rest); got != nil {
			t.Errorf("%s %v matched %s", c.method, c.rest, got.Pattern)
		}
	}
}
