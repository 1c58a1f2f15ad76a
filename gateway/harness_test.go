package gateway_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/gateway/memback"
)

const (
	testAK = "AKIDTESTGATEWAY00001"
	testSK = "gatewaySecretKey/For+Tests0000000000000"
	roAK   = "AKIDREADONLY00000001"
	roSK   = "readOnlySecret000000000000000000000000000"
)

type env struct {
	addr    string // 127.0.0.1:port
	url     string // http://127.0.0.1:port
	srv     *gateway.Server
	backend *memback.Backend
	keys    *memback.Keys
}

type envOpt func(*gateway.Config)

// startGateway runs a real fasthttp server on 127.0.0.1 with memback.
func startGateway(t testing.TB, opts ...envOpt) *env {
	return startGatewayTLS(t, nil, opts...)
}

func startGatewayTLS(t testing.TB, tlsCfg *tls.Config, opts ...envOpt) *env {
	t.Helper()
	cfg := gateway.DefaultConfig()
	cfg.Domains = []string{"s3.local"}
	if os.Getenv("GATEWAY_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, o := range opts {
		o(&cfg)
	}
	be, err := memback.New(memback.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	keys := memback.NewKeys()
	keys.Add(testAK, testSK, gateway.Identity{Root: true, Name: "tester"})
	keys.Add(roAK, roSK, gateway.Identity{Grants: map[string]string{"*/*": "read"}, Name: "reader"})
	srv, err := gateway.New(cfg, keys, be)
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "http://"
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
		scheme = "https://"
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	addr := ln.Addr().String()
	return &env{addr: addr, url: scheme + addr, srv: srv, backend: be, keys: keys}
}
