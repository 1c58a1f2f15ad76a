package peer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/datamon-io/datamon/bench/load"
	"github.com/datamon-io/datamon/bench/report"
)

// Group is the report group of peer measurements.
const Group = "peer"

// etcd measurement names.
const (
	EtcdPutOps = "peer.etcd.put256B.ops"
	EtcdPutP50 = "peer.etcd.put256B.p50"
	EtcdPutP99 = "peer.etcd.put256B.p99"
)

// EtcdConfig configures the etcd peer run.
type EtcdConfig struct {
	Bin       string // etcd binary
	Dir       string // work dir; a temp data dir is made inside and removed
	Clients   int    // concurrent clients (16)
	Duration  time.Duration
	ValueSize int // 256
	Keys      int // distinct keys per client (100)
	Logger    *slog.Logger
}

// RunEtcd starts one etcd member on free 127.0.0.1 ports, puts ValueSize
// values through the v3 JSON gRPC gateway (POST /v3/kv/put, keep-alive
// net/http) from Clients concurrent clients for Duration, and stops it.
func RunEtcd(ctx context.Context, cfg EtcdConfig) ([]report.Measurement, error) {
	if cfg.Clients == 0 {
		cfg.Clients = 16
	}
	if cfg.ValueSize == 0 {
		cfg.ValueSize = 256
	}
	if cfg.Keys == 0 {
		cfg.Keys = 100
	}
	if cfg.Duration == 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := os.MkdirTemp(cfg.Dir, "etcd-")
	if err != nil {
		return nil, fmt.Errorf("peer: etcd: %w", err)
	}
	defer os.RemoveAll(dir)
	ports, err := FreePorts(2)
	if err != nil {
		return nil, err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	p, err := Start("etcd", cfg.Bin, []string{
		"--name", "bench", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "bench=" + peerURL, "--initial-cluster-state", "new",
		"--log-level", "warn",
	}, nil, filepath.Join(cfg.Dir, "etcd.log"))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := p.Stop(10 * time.Second); err != nil {
			cfg.Logger.Warn("stopping etcd", "err", err)
		}
	}()
	cfg.Logger.Info("etcd started", "pid", p.PID(), "client", client)
	if err := WaitHTTP(ctx, p, client+"/health", 30*time.Second); err != nil {
		return nil, err
	}
	hc := newHTTPClient(cfg.Clients)
	value := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("v"), cfg.ValueSize))
	op := func(ctx context.Context, c, seq int) error {
		key := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "bench/%02d/%04d", c, (seq+cfg.Keys)%cfg.Keys))
		body, _ := json.Marshal(map[string]string{"key": key, "value": value})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, client+"/v3/kv/put", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("etcd put: %s", resp.Status)
		}
		return nil
	}
	res, err := load.Run(ctx, load.Config{Clients: cfg.Clients, Duration: cfg.Duration, Warmup: 5}, op)
	if err != nil {
		return nil, fmt.Errorf("peer: etcd load: %w", err)
	}
	note := fmt.Sprintf("etcd one member, %d clients, %d B values, JSON gateway over HTTP keep-alive, %d ops in %s, %d errors",
		cfg.Clients, cfg.ValueSize, res.Ops, res.Elapsed.Round(time.Millisecond), res.Errors)
	p50 := report.OK(Group, EtcdPutP50, load.Ms(res.P50), "ms")
	p99 := report.OK(Group, EtcdPutP99, load.Ms(res.P99), "ms")
	p50.LowerIsBetter, p99.LowerIsBetter = true, true
	return []report.Measurement{report.OK(Group, EtcdPutOps, res.OpsPerSec, "ops/s").WithNotes(note), p50, p99}, nil
}
