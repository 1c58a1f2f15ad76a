package suite

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
)

// Git LFS measurement names.
const (
	LFSPush          = "product.lfs.push"
	LFSPull          = "product.lfs.pull"
	LFSBundleUpload  = "product.lfs.bundle-upload"
	LFSBundleDown    = "product.lfs.bundle-download"
	LFSChangedStored = "product.lfs.1mib-change.stored"
)

// runLFS: the same files through git push (git-lfs, basic transfer) and
// through bundle upload, then git lfs pull vs bundle download, then the
// shard bytes a push of a 1 MiB change inside the biggest file adds.
func runLFS(ctx context.Context, e *Env) ([]report.Measurement, error) {
	if _, err := exec.LookPath("git-lfs"); err != nil {
		return nil, fmt.Errorf("%w: git-lfs not installed", ErrSkipped)
	}
	ci, err := e.Cluster(ctx)
	if err != nil {
		return nil, err
	}
	te, err := benchRepo(ctx, e, "bench-lfs")
	if err != nil {
		return nil, err
	}
	work, err := e.Dir(fmt.Sprintf("lfs-%d", time.Now().UnixNano()))
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	home, remote, wt, files := filepath.Join(work, "home"), filepath.Join(work, "remote.git"), filepath.Join(work, "wt"), filepath.Join(work, "wt", "data")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return nil, err
	}
	total := e.Profile.LFSBytes
	bigSize := total / 2
	big, err := lfsFiles(files, total, 0)
	if err != nil {
		return nil, err
	}
	// The bundle side gets files of the same sizes with other bytes: the
	// cluster dedups, so a second upload of the very same bytes sends nothing.
	twin := filepath.Join(work, "twin")
	if _, err := lfsFiles(twin, total, 1000); err != nil {
		return nil, err
	}
	git := func(dir string, args ...string) error {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			logs, _ := filepath.Glob(filepath.Join(dir, ".git", "lfs", "logs", "*.log"))
			var last []byte
			if len(logs) > 0 {
				last, _ = os.ReadFile(logs[len(logs)-1])
				last = last[:min(len(last), 1500)]
			}
			return fmt.Errorf("suite: git %s: %w: %s %s", strings.Join(args, " "), err, out, last)
		}
		return nil
	}
	api := ci.Endpoints[0]
	cred := filepath.Join(home, ".git-credentials")
	_ = os.MkdirAll(home, 0o700)
	if err := os.WriteFile(cred, []byte(strings.Replace(api, "://", "://"+ci.AccessKey+":"+ci.SecretKey+"@", 1)+"\n"), 0o600); err != nil {
		return nil, err
	}
	for _, args := range [][]string{
		{"config", "--global", "user.name", "bench"}, {"config", "--global", "user.email", "bench@localhost"},
		{"config", "--global", "credential.helper", "store --file=" + cred}, {"lfs", "install"},
		{"init", "-q", "--bare", "-b", "main", remote}, {"init", "-q", "-b", "main", wt},
	} {
		if err := git(work, args...); err != nil {
			return nil, err
		}
	}
	for _, args := range [][]string{
		{"remote", "add", "origin", remote}, {"config", "-f", ".lfsconfig", "lfs.url", api + "/lfs/default/" + te.repo},
		{"lfs", "track", "*.bin"}, {"add", "."}, {"commit", "-qm", "lfs bench"},
	} {
		if err := git(wt, args...); err != nil {
			return nil, err
		}
	}
	var out []report.Measurement
	mbps := func(d time.Duration) float64 { return float64(total) / d.Seconds() / 1e6 }
	start := time.Now()
	if err := git(wt, "push", "-q", "origin", "main"); err != nil {
		return nil, err
	}
	push := time.Since(start)
	_, st, up, err := te.upload(ctx, twin, "files of the LFS push's sizes")
	if err != nil {
		return nil, fmt.Errorf("suite: bundle upload: %w", err)
	}
	note := fmt.Sprintf("%.0f MiB: one %.0f MiB file + 16 MiB files", float64(total)/(1<<20), float64(bigSize)/(1<<20))
	out = append(out,
		report.OK(GroupProduct, LFSPush, mbps(push), "MB/s").WithNotes(note+"; git push with git-lfs basic transfer"),
		report.OK(GroupProduct, LFSBundleUpload, mbps(up), "MB/s").WithNotes(fmt.Sprintf("same sizes, other bytes (no dedup with the push), same run; %d chunks", st.Chunks)))

	clone := filepath.Join(work, "clone")
	cl := exec.CommandContext(ctx, "git", "clone", "-q", remote, clone)
	cl.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_LFS_SKIP_SMUDGE=1")
	if b, err := cl.CombinedOutput(); err != nil {
		return out, fmt.Errorf("suite: clone: %w: %s", err, b)
	}
	start = time.Now()
	if err := git(clone, "lfs", "pull"); err != nil {
		return out, err
	}
	pull := time.Since(start)
	b, err := te.c.(*client.Client).LatestBundle(ctx, model.DefaultContext, te.repo)
	if err != nil {
		return out, err
	}
	dl := filepath.Join(work, "download")
	start = time.Now()
	if _, err := transfer.Download(ctx, te.c, transfer.DownloadOptions{Config: te.cfg, Bundle: b, Destination: dl, Force: true}); err != nil {
		return out, fmt.Errorf("suite: bundle download: %w", err)
	}
	down := time.Since(start)
	out = append(out,
		report.OK(GroupProduct, LFSPull, mbps(pull), "MB/s").WithNotes("git lfs pull into a fresh clone"),
		report.OK(GroupProduct, LFSBundleDown, mbps(down), "MB/s").WithNotes("same sizes, same run, into an empty directory"))

	before, err := settledShardBytes(ctx, ci)
	if err != nil {
		return out, err
	}
	copy(big[bigSize/3:], lfsRandom(1<<20, 99))
	if err := os.WriteFile(filepath.Join(files, "big.bin"), big, 0o644); err != nil {
		return out, err
	}
	if err := git(wt, "commit", "-qam", "1 MiB changed"); err != nil {
		return out, err
	}
	if err := git(wt, "push", "-q", "origin", "main"); err != nil {
		return out, err
	}
	after, err := settledShardBytes(ctx, ci)
	if err != nil {
		return out, err
	}
	m := report.OK(GroupProduct, LFSChangedStored, float64(after-before)/(1<<20), "MiB").
		WithNotes(fmt.Sprintf("shard bytes (erasure coding included) added by pushing a 1 MiB change inside the %.0f MiB file", float64(bigSize)/(1<<20)))
	m.LowerIsBetter = true
	return append(out, m), nil
}

// lfsFiles writes total bytes under dir: big.bin (half) and 16 MiB parts;
// it returns big.bin's bytes.
func lfsFiles(dir string, total int64, seed uint64) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	big := lfsRandom(int(total/2), seed+1)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		return nil, err
	}
	for i, left := 0, total-total/2; left > 0; i++ {
		n := min(left, 16<<20)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%03d.bin", i)), lfsRandom(int(n), seed+uint64(10+i)), 0o644); err != nil {
			return nil, err
		}
		left -= n
	}
	return big, nil
}

func lfsRandom(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// shardBytes sums datamon_shard_bytes over every endpoint's /metrics.
func shardBytes(ctx context.Context, ci *ClusterInfo) (int64, error) {
	var sum int64
	for _, ep := range ci.Endpoints {
		cfg := client.DefaultConfig()
		cfg.Endpoints, cfg.AccessKey, cfg.SecretKey = []string{ep}, ci.AccessKey, ci.SecretKey
		c, err := client.New(cfg)
		if err != nil {
			return 0, err
		}
		raw, err := c.Metrics(ctx)
		if err != nil {
			return 0, fmt.Errorf("suite: metrics of %s: %w", ep, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "datamon_shard_bytes "); ok {
				f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
				sum += int64(f)
			}
		}
	}
	return sum, nil
}

// settledShardBytes polls shardBytes until two reads agree (background
// shard writes finish after a put returns), for up to 30 s.
func settledShardBytes(ctx context.Context, ci *ClusterInfo) (int64, error) {
	prev, err := shardBytes(ctx, ci)
	for deadline := time.Now().Add(30 * time.Second); err == nil && time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond) // sampling interval of the poll
		var cur int64
		if cur, err = shardBytes(ctx, ci); err == nil && cur == prev {
			return cur, nil
		}
		prev = cur
	}
	return prev, err
}
