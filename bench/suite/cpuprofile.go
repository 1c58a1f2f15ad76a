package suite

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/datamon-io/datamon/peer"
)

// profileNode records a CPU profile of node i of a local cluster for d over
// the signed internal port, and returns the top functions by cumulative and
// flat CPU as printed by `go tool pprof -top` (a short text summary).
func profileNode(ctx context.Context, e *Env, i int, d time.Duration) (string, error) {
	path, err := fetchProfile(ctx, e, i, "cpu-profile", []byte(strconv.Itoa(int(d.Seconds()))), d+30*time.Second)
	if err != nil {
		return "", err
	}
	return pprofTop(ctx, e, path, "-nodecount=12")
}

// fetchProfile asks node i for /internal/debug/<kind> with body and stores
// the answer under the run's profiles directory; it returns the file's path.
func fetchProfile(ctx context.Context, e *Env, i int, kind string, body []byte, timeout time.Duration) (string, error) {
	ci, err := e.Cluster(ctx)
	if err != nil {
		return "", err
	}
	if !ci.Local || i >= len(ci.RPCAddrs) || ci.ClusterSecret == "" {
		return "", fmt.Errorf("suite: profiles need a local cluster")
	}
	cfg := peer.DefaultClientConfig()
	cfg.Secret = []byte(ci.ClusterSecret)
	cfg.Timeout = timeout
	cfg.MaxResponseSize = 64 << 20
	pc := peer.NewClient(cfg)
	defer pc.Close()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	prof, err := pc.Call(cctx, ci.RPCAddrs[i], "/internal/debug/"+kind, body)
	if err != nil {
		return "", fmt.Errorf("suite: %s: %w", kind, err)
	}
	dir, err := e.Dir("profiles")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("node%d-%s-%d.pprof", i+1, kind, time.Now().UnixNano()))
	if err := os.WriteFile(path, prof, 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// pprofTop summarises `go tool pprof -top args... paths...` as "pct name"
// pairs joined by "; " (flat share for CPU, cumulative with -cum).
func pprofTop(ctx context.Context, e *Env, path string, args ...string) (string, error) {
	argv := append([]string{"tool", "pprof", "-top"}, args...)
	argv = append(argv, e.Cfg.Binary, path)
	out, err := exec.CommandContext(ctx, "go", argv...).Output()
	if err != nil {
		return "", fmt.Errorf("suite: go tool pprof: %w", err)
	}
	cum := false
	for _, a := range args {
		cum = cum || a == "-cum"
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		// rows: flat flat% sum% cum cum% name
		if len(f) >= 6 && strings.HasSuffix(f[1], "%") {
			pct := f[1]
			if cum {
				pct = f[4]
			}
			lines = append(lines, fmt.Sprintf("%s %s", pct, f[len(f)-1]))
		}
	}
	return strings.Join(lines, "; "), nil
}
