package gateway

import (
	"fmt"
	"testing"
)

func TestNotServingIsServiceUnavailable(t *testing.T) {
	a := toAPIError(fmt.Errorf("lookup: %w: no metadata", ErrNotServing))
	if a.Status != 503 || a.Code != "ServiceUnavailable" {
		t.Fatalf("ErrNotServing → %d %s", a.Status, a.Code)
	}
	if a := toAPIError(ErrSlowDown); a.Code != "SlowDown" {
		t.Fatalf("ErrSlowDown → %s", a.Code)
	}
}
