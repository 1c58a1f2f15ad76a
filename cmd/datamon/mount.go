package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/datamon-io/datamon/fusefs"
	"github.com/spf13/cobra"
)

// newBundleMountCmd builds `bundle mount` (read-only) with its `new`
// (read-write) and `commit` (retry a failed commit) subcommands.
func newBundleMountCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mount",
		Short: "mount a bundle read-only (FUSE); `mount new` for a read-write mount",
		Long: `Mount a bundle (--bundle ID, --label L, or the latest) read-only at --mount DIR.
Listings and attributes are read from the manifest page by page; file data is streamed
chunk by chunk through a bounded cache (--cache-size) with read-ahead (--prefetch chunks).
Unmount with: fusermount3 -u DIR (Linux), umount DIR (macOS), or SIGINT/SIGTERM.
Needs a datamon built with FUSE (make build) and fuse3 (Linux), macFUSE (macOS) or WinFsp (Windows).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "mount")
			if err != nil {
				return err
			}
			if !fusefs.Supported {
				return fmt.Errorf("%w\n%s", fusefs.ErrNoFUSE, fusefs.NoFUSEHelp)
			}
			if d, _ := cmd.Flags().GetBool("daemonize"); d && !isMountChild(a) {
				return a.daemonize(cmd, v[1])
			}
			cfg, err := a.mountConfig(cmd)
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			b, err := a.pickBundle(cmd, c, s.context, v[0])
			if err != nil {
				return err
			}
			if err := a.recordInput(cmd, c, s.context, v[0], b, ""); err != nil { // run_inputs.go
				return err
			}
			m, err := fusefs.MountReadOnly(ctxOf(cmd), c, cfg, b, v[1])
			if err != nil {
				return err
			}
			a.say("mounted bundle %s of repo %q at %s (read-only)", b.ID, v[0], v[1])
			unmountOnCancel(ctxOf(cmd), m)
			a.mountReady()
			<-m.Done()
			return m.Err()
		},
	}
	addBundleFlags(cmd)
	addMountFlags(cmd)
	a.addVerifyHashFlag(cmd)
	cmd.AddCommand(a.bundleMountNewCmd(), a.bundleMountCommitCmd())
	return cmd
}

// addMountFlags adds the flags shared by `mount` and `mount new`.
func addMountFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("mount", "", "mount point: an existing empty directory (required)")
	f.String("cache-size", "256MB", "chunk cache size (e.g. 256MB, 1GiB)")
	f.Int("prefetch", 2, "chunks read ahead on sequential reads")
	f.Bool("daemonize", false, "run in the background: print the PID once the mount is live")
	f.Bool("allow-other", false, "let other users access the mount (needs user_allow_other in /etc/fuse.conf)")
}

func (a *app) mountConfig(cmd *cobra.Command) (fusefs.Config, error) {
	cfg := fusefs.DefaultConfig()
	cfg.Logger = a.logger()
	sz, _ := cmd.Flags().GetString("cache-size")
	n, err := parseByteSize(sz)
	if err != nil {
		return cfg, usagef("--cache-size: %v", err)
	}
	cfg.CacheSize = n
	cfg.Prefetch, _ = cmd.Flags().GetInt("prefetch")
	cfg.AllowOther, _ = cmd.Flags().GetBool("allow-other")
	if err := cfg.Validate(); err != nil {
		return cfg, usagef("%v", err)
	}
	return cfg, nil
}

// parseByteSize parses "256MB", "1GiB", "1048576" (KB/MB/GB are binary too).
func parseByteSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suf)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

// unmountOnCancel unmounts m when ctx ends (used by commands whose ctx is
// cancelled on exit paths).
func unmountOnCancel(ctx context.Context, m *fusefs.Mount) {
	go func() {
		select {
		case <-ctx.Done():
			_ = m.Unmount(context.Background())
		case <-m.Done():
		}
	}()
}
