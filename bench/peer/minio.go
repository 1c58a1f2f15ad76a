package peer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/bench/s3load"
)

// MinioPrefix prefixes the MinIO S3 measurement names (see s3load.Measure).
const MinioPrefix = "peer.minio.s3"

// MinioConfig configures the MinIO peer run.
type MinioConfig struct {
	Bin         string // minio binary (MINIO_BIN)
	Dir         string // work dir; 4 data dirs are made inside (EC 2+2) and removed
	Clients     int
	Duration    time.Duration // per load phase
	StopTimeout time.Duration
	Logger      *slog.Logger
}

// RunMinio starts `minio server` on 4 directories of cfg.Dir on a free
// 127.0.0.1 port, runs the s3load PUT/GET load against it and stops it.
func RunMinio(ctx context.Context, cfg MinioConfig) ([]report.Measurement, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StopTimeout == 0 {
		cfg.StopTimeout = 10 * time.Second
	}
	data, err := os.MkdirTemp(cfg.Dir, "minio-")
	if err != nil {
		return nil, fmt.Errorf("peer: minio: %w", err)
	}
	defer os.RemoveAll(data)
	ports, err := FreePorts(2)
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	args := []string{"server", "--quiet", "--address", addr, "--console-address", fmt.Sprintf("127.0.0.1:%d", ports[1])}
	for i := 1; i <= 4; i++ {
		d := filepath.Join(data, fmt.Sprintf("d%d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("peer: minio: %w", err)
		}
		args = append(args, d)
	}
	const user, pass = "benchadmin", "benchadmin-secret"
	p, err := Start("minio", cfg.Bin, args, []string{"MINIO_ROOT_USER=" + user, "MINIO_ROOT_PASSWORD=" + pass,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off",
		// Current MinIO refuses drives on the root filesystem ("drive not
		// found, will be retried" forever) unless MINIO_CI_CD is set; the
		// benchmark's 4 dirs share the disk under test on purpose.
		"MINIO_CI_CD=1"}, filepath.Join(cfg.Dir, "minio.log"))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := p.Stop(cfg.StopTimeout); err != nil {
			cfg.Logger.Warn("stopping minio", "err", err)
		}
	}()
	cfg.Logger.Info("minio started", "pid", p.PID(), "addr", addr)
	endpoint := "http://" + addr
	// /minio/health/ready answers 200 before the object layer is up (S3
	// calls then get 503 XMinioServerNotInitialized); /minio/health/cluster
	// answers 200 only once the erasure set has write quorum.
	for _, path := range []string{"/minio/health/ready", "/minio/health/cluster"} {
		if err := WaitHTTP(ctx, p, endpoint+path, 60*time.Second); err != nil {
			return nil, err
		}
	}
	ms, err := s3load.Measure(ctx, s3load.Target{Endpoint: endpoint, AccessKey: user, SecretKey: pass},
		s3load.Config{Clients: cfg.Clients, Duration: cfg.Duration}, Group, MinioPrefix)
	for i := range ms {
		ms[i] = ms[i].WithNotes("MinIO 1 server, 4 dirs (EC 2+2)")
	}
	return ms, err
}
