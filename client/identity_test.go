package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Identity calls are resent after a possibly applied failure: writes carry
// one request ID on every attempt, so a resent create or rotate gets the
// first attempt's key and secret back (the cluster applies it once). The counts also pin
// each method's route. (Round trips against the real API and store are in
// package api's identity tests, which use these methods.)
func TestIdentityResend(t *testing.T) {
	cn, c := startCountingNodes(t, fasthttp.StatusServiceUnavailable, "Unavailable")
	ctx := context.Background()
	calls := []struct {
		key  string
		want int
		run  func() error
	}{
		{"POST /v1/users", 4, func() error { _, err := c.CreateUser(ctx, "ada", "a@b.example"); return err }},
		{"DELETE /v1/users/ada", 4, func() error { return c.DeleteUser(ctx, "ada") }},
		{"POST /v1/keys", 4, func() error { _, err := c.CreateKey(ctx, "ada", []string{"a/b=read"}); return err }},
		{"DELETE /v1/keys/K1", 4, func() error { return c.DeleteKey(ctx, "K1") }},
		{"POST /v1/keys/K1/rotate", 4, func() error { _, err := c.RotateKey(ctx, "K1", time.Hour); return err }},
		{"DELETE /v1/keys/K1/grants", 4, func() error { _, err := c.RemoveGrant(ctx, "K1", "a/b"); return err }},
		{"POST /v1/keys/K1/grants", 4, func() error { _, err := c.AddGrant(ctx, "K1", "a/b=write"); return err }},
		{"GET /v1/users", 4, func() error { _, err := c.ListUsers(ctx); return err }},
		{"GET /v1/users/ada", 4, func() error { _, err := c.GetUser(ctx, "ada"); return err }},
		{"GET /v1/keys", 4, func() error { _, err := c.ListKeys(ctx, "ada"); return err }},
		{"GET /v1/keys/K1", 4, func() error { _, err := c.GetKey(ctx, "K1"); return err }},
	}
	for _, tc := range calls {
		if err := tc.run(); err == nil {
			t.Errorf("%s: no error from a 503", tc.key)
		}
		if got := cn.count(tc.key); got != tc.want {
			t.Errorf("%s: %d requests sent, want %d", tc.key, got, tc.want)
		}
	}
}

// Names that would address another route are refused before sending.
func TestIdentityBadNamesNotSent(t *testing.T) {
	cn, c := startCountingNodes(t, fasthttp.StatusOK, "")
	ctx := context.Background()
	for _, bad := range []string{"", ".", "..", "a/b"} {
		for name, err := range map[string]error{
			"CreateUser":  func() error { _, err := c.CreateUser(ctx, bad, ""); return err }(),
			"GetUser":     func() error { _, err := c.GetUser(ctx, bad); return err }(),
			"DeleteUser":  c.DeleteUser(ctx, bad),
			"CreateKey":   func() error { _, err := c.CreateKey(ctx, bad, nil); return err }(),
			"GetKey":      func() error { _, err := c.GetKey(ctx, bad); return err }(),
			"DeleteKey":   c.DeleteKey(ctx, bad),
			"RotateKey":   func() error { _, err := c.RotateKey(ctx, bad, 0); return err }(),
			"AddGrant":    func() error { _, err := c.AddGrant(ctx, bad, "a/b=read"); return err }(),
			"RemoveGrant": func() error { _, err := c.RemoveGrant(ctx, bad, "a/b"); return err }(),
		} {
			if !errors.Is(err, model.ErrInvalid) {
				t.Errorf("%s(%q): %v, want ErrInvalid", name, bad, err)
			}
		}
	}
	if _, err := c.RotateKey(ctx, "K1", -time.Second); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("negative grace: %v", err)
	}
	if _, err := c.AddGrant(ctx, "K1", ""); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("empty grant: %v", err)
	}
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if len(cn.hits) != 0 {
		t.Fatalf("refused calls were sent: %v", cn.hits)
	}
}
