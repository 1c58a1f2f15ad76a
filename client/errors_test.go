package client

import (
	"context"
	"errors"
	"testing"

	"github.com/datamon-io/datamon/model"
)

func TestAPIErrorUnwrap(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   error
	}{
		{404, `{"error":{"code":"NotFound","message":"repo \"x\" not found"}}`, model.ErrNotFound},
		{409, `{"error":{"code":"Exists","message":"m"}}`, model.ErrExists},
		{409, `{"error":{"code":"NotEmpty","message":"m"}}`, model.ErrNotEmpty},
		{400, `{"error":{"code":"Invalid","message":"m"}}`, model.ErrInvalid},
		{412, `{"error":{"code":"Precondition","message":"m"}}`, model.ErrPrecondition},
		{403, `{"error":{"code":"PermissionDenied","message":"m"}}`, model.ErrPermission},
		{401, `{"error":{"code":"Unauthenticated","message":"m"}}`, model.ErrUnauthenticated},
		{413, `{"error":{"code":"TooLarge","message":"m"}}`, ErrTooLarge},
		{503, `{"error":{"code":"Unavailable","message":"m"}}`, ErrUnavailable},
		// Not our envelope (a proxy's page): the status decides.
		{404, `<html>nope</html>`, model.ErrNotFound},
		{413, ``, ErrTooLarge},
		{502, `bad gateway`, ErrUnavailable},
		{418, `{}`, ErrProtocol},
	} {
		err := decodeError("http://n1", tc.status, []byte(tc.body))
		if !errors.Is(err, tc.want) {
			t.Errorf("%d %s: %v does not unwrap to %v", tc.status, tc.body, err, tc.want)
		}
		if err.Error() == "" {
			t.Errorf("%d: empty message", tc.status)
		}
	}
	e := decodeError("http://n1", 404, []byte(`{"error":{"code":"NotFound","message":"repo \"x\" not found"}}`))
	if e.Error() != `repo "x" not found` {
		t.Errorf("message %q", e.Error())
	}
}

func TestRetryable(t *testing.T) {
	dial := &dialError{errors.New("connection refused")}
	if !retryable(dial, false) {
		t.Error("dial errors must be retryable for any call")
	}
	if !retryable(&APIError{Status: 503, Code: "NotServing"}, false) {
		t.Error("503 NotServing must be retryable")
	}
	if retryable(&APIError{Status: 500}, false) || !retryable(&APIError{Status: 500}, true) {
		t.Error("500 retryable only when idempotent")
	}
	if retryable(&APIError{Status: 404}, true) || retryable(&APIError{Status: 412}, true) {
		t.Error("4xx must not be retried")
	}
}

func TestSplitEndpoint(t *testing.T) {
	good := map[string]string{"h:1": "http://h:1", "http://h:1/": "http://h:1", "https://h:2": "https://h:2"}
	for in, want := range good {
		s, h, err := splitEndpoint(in)
		if err != nil || s+"://"+h != want {
			t.Errorf("splitEndpoint(%q) = %s %s %v", in, s, h, err)
		}
	}
	for _, in := range []string{"", "ftp://h", "http://", "http://h/x", "http://u@h"} {
		if _, _, err := splitEndpoint(in); !errors.Is(err, ErrConfig) {
			t.Errorf("splitEndpoint(%q) accepted", in)
		}
	}
}

func FuzzDecodeError(f *testing.F) {
	f.Add(404, []byte(`{"error":{"code":"NotFound","message":"x"}}`))
	f.Add(500, []byte(`{"error":null}`))
	f.Add(200, []byte(`[`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := decodeError("http://n", status, body)
		if e.Status != status || e.Error() == "" || e.Unwrap() == nil {
			t.Fatalf("decodeError(%d, %q) = %#v", status, body, e)
		}
	})
}

// A non-idempotent write is resent only when nothing can have been applied:
// a dial error or a 503 NotServing; any other 503, 5xx or timeout may follow
// an applied command.
func TestRetryableNonIdempotent(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		idempotent bool
		want       bool
	}{
		{"dial", &dialError{err: errors.New("refused")}, false, true},
		{"503 NotServing", &APIError{Status: 503, Code: "NotServing"}, false, true},
		{"503 Unavailable", &APIError{Status: 503, Code: "Unavailable"}, false, false},
		{"500", &APIError{Status: 500, Code: "Internal"}, false, false},
		{"timeout", context.DeadlineExceeded, false, false},
		{"idempotent 503", &APIError{Status: 503, Code: "Unavailable"}, true, true},
		{"idempotent 500", &APIError{Status: 500}, true, true},
		{"idempotent timeout", errors.New("i/o timeout"), true, true},
		{"4xx", &APIError{Status: 412, Code: "Precondition"}, true, false},
	} {
		if got := retryable(tc.err, tc.idempotent); got != tc.want {
			t.Errorf("%s: retryable = %v, want %v", tc.name, got, tc.want)
		}
	}
}
