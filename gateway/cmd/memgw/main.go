// Command memgw serves the S3 gateway over the in-memory backend
// (gateway/memback), for running external S3 test suites such as
// minio-go's functional tests (see gateway/testdata/minio-functional.sh).
//
//	memgw -addr 127.0.0.1:9000 -access-key AK -secret-key SK
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/gateway/memback"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "memgw:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	ak := flag.String("access-key", "minioadmin", "access key")
	sk := flag.String("secret-key", "minioadmin", "secret key")
	verbose := flag.Bool("v", false, "debug logging")
	flag.Parse()
	lvl := slog.LevelInfo
	if *verbose {
		lvl = slog.LevelDebug
	}
	cfg := gateway.DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	mcfg := memback.DefaultConfig()
	be, err := memback.New(mcfg)
	if err != nil {
		return err
	}
	keys := memback.NewKeys()
	keys.Add(*ak, *sk, gateway.Identity{Root: true, Name: "memgw"})
	srv, err := gateway.New(cfg, keys, be)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintln(os.Stderr, "memgw: serving on", ln.Addr())
	return srv.Serve(ln)
}
