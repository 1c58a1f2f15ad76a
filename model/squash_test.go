package model

import (
	"errors"
	"maps"
	"testing"
)

func TestSquashRequestValidate(t *testing.T) {
	id := "3N73lTJzouJZsLFB6D5hDo6MlHb"
	for name, tc := range map[string]struct {
		req SquashRequest
		ok  bool
	}{
		"default":       {SquashRequest{RetainLatest: DefaultRetainLatest}, true},
		"horizon":       {SquashRequest{RetainLatest: 3, Horizons: map[string]string{"r": id}}, true},
		"retain 0":      {SquashRequest{}, false},
		"retain -1":     {SquashRequest{RetainLatest: -1}, false},
		"short id":      {SquashRequest{RetainLatest: 1, Horizons: map[string]string{"r": id[1:]}}, false},
		"non-base62 id": {SquashRequest{RetainLatest: 1, Horizons: map[string]string{"r": id[1:] + "-"}}, false},
		"bad repo":      {SquashRequest{RetainLatest: 1, Horizons: map[string]string{"a b": id}}, false},
	} {
		err := tc.req.Validate()
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: %v", name, err)
		}
	}
	res := SquashResult{Repos: []RepoSquash{{Repo: "a", Horizon: id}, {Repo: "empty"}}}
	if h := res.Horizons(); !maps.Equal(h, map[string]string{"a": id}) {
		t.Fatalf("horizons %v", h)
	}
	if h := (SquashResult{}).Horizons(); h == nil {
		t.Fatal("nil horizons: the server would take the newest bundles")
	}
}
