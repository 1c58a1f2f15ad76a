package peer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/shard"
	"github.com/valyala/fasthttp"
)

var testSecret = []byte("peer-test-secret")

// startServer serves s on a loopback port and returns its address.
func startServer(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func newClient(t *testing.T, cfg ClientConfig) *Client {
	t.Helper()
	c := NewClient(cfg)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func echoServer(t *testing.T, cfg ServerConfig) (string, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	s := NewServer(cfg)
	s.Handle("/internal/echo", func(ctx *fasthttp.RequestCtx) {
		calls.Add(1)
		ctx.SetBody(append([]byte("echo:"), ctx.PostBody()...))
	})
	s.Handle("/internal/fail", func(ctx *fasthttp.RequestCtx) {
		calls.Add(1)
		ctx.Error("boom", fasthttp.StatusTeapot)
	})
	s.Handle("/internal/slow", func(ctx *fasthttp.RequestCtx) {
		calls.Add(1)
		time.Sleep(time.Second)
	})
	return startServer(t, s), &calls
}

func TestCallSignedAndRejected(t *testing.T) {
	addr, calls := echoServer(t, ServerConfig{Secret: testSecret, MaxBodySize: 1 << 20})
	ctx := context.Background()
	c := newClient(t, ClientConfig{Secret: testSecret, Timeout: 5 * time.Second})

	out, err := c.Call(ctx, addr, "/internal/echo", []byte("hi"))
	if err != nil || string(out) != "echo:hi" {
		t.Fatalf("signed call: %q %v", out, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("calls = %d", calls.Load())
	}

	// Handler errors come back as StatusError.
	_, err = c.Call(ctx, addr, "/internal/fail", nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != fasthttp.StatusTeapot || se.Msg != "boom" {
		t.Fatalf("fail route: %v", err)
	}
	// Unknown route: 404 but never a shard sentinel.
	_, err = c.Call(ctx, addr, "/internal/nope", nil)
	if !errors.As(err, &se) || se.Code != 404 || errors.Is(err, shard.ErrNotFound) {
		t.Fatalf("unknown route: %v", err)
	}
	before := calls.Load()

	// Wrong secret and skewed clocks: 401, handler not invoked.
	for name, cfg := range map[string]ClientConfig{
		"wrong secret": {Secret: []byte("other")},
		"stale clock":  {Secret: testSecret, Clock: func() time.Time { return time.Now().Add(-6 * time.Minute) }},
		"future clock": {Secret: testSecret, Clock: func() time.Time { return time.Now().Add(6 * time.Minute) }},
	} {
		_, err := newClient(t, cfg).Call(ctx, addr, "/internal/echo", []byte("x"))
		if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &se) || se.Code != 401 {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Raw requests: unsigned, and signed-then-tampered.
	hc := &fasthttp.Client{}
	send := func(mutate func(*fasthttp.Request)) int {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.Header.SetMethod("POST")
		req.SetRequestURI("http://" + addr + "/internal/echo?x=1")
		req.SetBodyString("payload")
		mutate(req)
		if err := hc.DoTimeout(req, resp, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode()
	}
	if code := send(func(*fasthttp.Request) {}); code != 401 {
		t.Errorf("unsigned: %d", code)
	}
	if code := send(func(r *fasthttp.Request) { Sign(testSecret, r, time.Now()); r.SetBodyString("paylOad") }); code != 401 {
		t.Errorf("tampered body: %d", code)
	}
	if code := send(func(r *fasthttp.Request) { Sign(testSecret, r, time.Now()); r.URI().SetQueryString("x=2") }); code != 401 {
		t.Errorf("tampered query: %d", code)
	}
	if code := send(func(r *fasthttp.Request) { Sign(testSecret, r, time.Now().Add(-10*time.Minute)) }); code != 401 {
		t.Errorf("stale: %d", code)
	}
	if code := send(func(r *fasthttp.Request) { Sign(testSecret, r, time.Now()) }); code != 200 {
		t.Errorf("raw signed: %d", code)
	}
	if got := calls.Load(); got != before+1 {
		t.Fatalf("handler ran %d times for rejected requests", got-before-1)
	}

	// Oversized body: rejected before the handler.
	_, err = c.Call(ctx, addr, "/internal/echo", bytes.Repeat([]byte("x"), 2<<20))
	if err == nil {
		t.Fatal("oversized body accepted")
	}
	if got := calls.Load(); got != before+1 {
		t.Fatal("handler ran for an oversized body")
	}
}

func TestCallDeadlinesAndUnreachable(t *testing.T) {
	addr, _ := echoServer(t, ServerConfig{Secret: testSecret})
	c := newClient(t, ClientConfig{Secret: testSecret, Timeout: 5 * time.Second})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Call(ctx, addr, "/internal/slow", nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 800*time.Millisecond {
		t.Fatalf("deadline: %v after %v", err, time.Since(start))
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel2)
	start = time.Now()
	_, err = c.Call(ctx2, addr, "/internal/slow", nil)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 800*time.Millisecond {
		t.Fatalf("cancel: %v after %v", err, time.Since(start))
	}
	// Client timeout without a ctx deadline.
	short := newClient(t, ClientConfig{Secret: testSecret, Timeout: 100 * time.Millisecond})
	if _, err := short.Call(context.Background(), addr, "/internal/slow", nil); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("client timeout: %v", err)
	}

	// Nothing listening: ErrUnreachable.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	_ = ln.Close()
	if _, err := c.Call(context.Background(), dead, "/internal/echo", nil); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("dead peer: %v", err)
	}
	_ = c.Close()
	if _, err := c.Call(context.Background(), addr, "/internal/echo", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed client: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	s := NewServer(ServerConfig{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := s.Serve(ln); !errors.Is(err, ErrConfig) {
		t.Fatalf("serve without secret: %v", err)
	}
	c := NewClient(ClientConfig{})
	if _, err := c.Call(context.Background(), ln.Addr().String(), "/x", nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("client without secret: %v", err)
	}
}
