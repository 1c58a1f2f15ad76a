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
	ci, err := e.Cluster(ctx)
	if err != nil {
		return "", err
	}
	if !ci.Local || i >= len(ci.RPCAddrs) || ci.ClusterSecret == "" {
		return "", fmt.Errorf("suite: CPU profiles need a local cluster")
	}
	cfg := peer.DefaultClientConfig()
	cfg.Secret = []byte(ci.ClusterSecret)
	cfg.Timeout = d + 30*time.Second
	cfg.MaxResponseSize = 64 << 20
	pc := peer.NewClient(cfg)
	defer pc.Close()
	cctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	prof, err := pc.Call(cctx, ci.RPCAddrs[i], "/internal/debug/cpu-profile", []byte(strconv.Itoa(int(d.Seconds()))))
	if err != nil {
		return "", fmt.Errorf("suite: cpu profile: %w", err)
	}
	dir, err := e.Dir("profiles")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("node%d-%d.pprof", i+1, time.Now().UnixNano()))
	if err := os.WriteFile(path, prof, 0o644); err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=12", e.Cfg.Binary, path).Output()
	if err != nil {
		return "", fmt.Errorf("suite: go tool pprof: %w", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		// rows: flat flat% sum% cum cum% name
		if len(f) >= 6 && strings.HasSuffix(f[1], "%") {
			lines = append(lines, fmt.Sprintf("%s %s", f[1], f[len(f)-1]))
		}
	}
	return strings.Join(lines, "; "), nil
}
