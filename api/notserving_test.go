package api

import (
	"fmt"
	"testing"

	"github.com/valyala/fasthttp"
)

// A node without applied metadata refuses with ErrNotServing: 503 and its own
// code, distinct from Unavailable (which may follow a proposal that applies).
func TestCodeForNotServing(t *testing.T) {
	err := fmt.Errorf("api: look up access key: %w", fmt.Errorf("node: no metadata: %w", ErrNotServing))
	code, status := CodeFor(err, func(error) bool { return true })
	if code != CodeNotServing || status != fasthttp.StatusServiceUnavailable {
		t.Fatalf("CodeFor = %s %d, want %s 503", code, status, CodeNotServing)
	}
	if code, _ := CodeFor(ErrUnavailable, nil); code != CodeUnavailable {
		t.Fatalf("ErrUnavailable → %s", code)
	}
}
