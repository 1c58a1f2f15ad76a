package report

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CollectEnvironment reads the machine description from /proc, statfs of
// dir (the results/work directory) and git in repoDir. Fields it cannot read
// are left empty; it never fails.
func CollectEnvironment(ctx context.Context, dir, repoDir string) Environment {
	e := Environment{
		Cores:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		Root:      os.Geteuid() == 0,
		Start:     time.Now().UTC(),
	}
	e.Hostname, _ = os.Hostname()
	e.CPUModel = cpuModel()
	e.MemoryMiB = memTotalMiB()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.Kernel = strings.TrimSpace(string(b))
	}
	e.DiskDevice, e.DiskMount, e.DiskFS = mountOf(dir)
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err == nil {
		e.DiskSizeGB = float64(st.Blocks) * float64(st.Bsize) / 1e9
		e.DiskFreeGB = float64(st.Bavail) * float64(st.Bsize) / 1e9
	}
	e.GitCommit, e.GitDirty = gitCommit(ctx, repoDir)
	return e
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func memTotalMiB() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb / 1024
		}
	}
	return 0
}

// mountOf finds the longest mount point of /proc/mounts containing dir.
func mountOf(dir string) (dev, mount, fs string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", ""
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return "", "", ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		mp := f[1]
		inside := abs == mp || mp == "/" || strings.HasPrefix(abs, strings.TrimSuffix(mp, "/")+"/")
		if inside && len(mp) >= len(mount) {
			dev, mount, fs = f[0], mp, f[2]
		}
	}
	return dev, mount, fs
}

func gitCommit(ctx context.Context, dir string) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false
	}
	st, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output()
	return strings.TrimSpace(string(out)), err == nil && len(strings.TrimSpace(string(st))) > 0
}
