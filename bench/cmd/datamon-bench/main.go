package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/bench/suite"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "datamon-bench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("datamon-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := suite.DefaultConfig()
	profile := fs.String("profile", "quick", "quick (< 5 min) or full")
	fs.StringVar(&cfg.OutDir, "out", cfg.OutDir, "results directory (its disk is the disk under test)")
	fs.StringVar(&cfg.WorkDir, "work", "", "scratch directory (default OUT/.work-STAMP, removed at the end)")
	only := fs.String("only", "", "comma-separated figures, groups or name prefixes (see -list)")
	fs.BoolVar(&cfg.SkipPeers, "skip-peers", false, "do not run restic, etcd, MinIO")
	fs.IntVar(&cfg.Nodes, "nodes", cfg.Nodes, "local cluster nodes")
	fs.IntVar(&cfg.Sites, "sites", 0, "local cluster sites (default min(3, nodes))")
	fs.StringVar(&cfg.EC, "ec", "", "erasure policy K+M (default: the cluster's choice)")
	fs.StringVar(&cfg.ClientConfig, "config", "", "client.yaml of a running cluster: no local cluster is started")
	endpoints := fs.String("endpoints", "", "API endpoints of a running cluster (keys from DATAMON_ACCESS_KEY/DATAMON_SECRET_KEY)")
	noInstall := fs.Bool("no-install", false, "never apt-get install missing peers/fio")
	fs.BoolVar(&cfg.KeepWork, "keep-work", false, "keep the work directory")
	list := fs.Bool("list", false, "list the figures and exit")
	verbose := fs.Bool("v", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return err
	}
	reg := suite.Default()
	if *list {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, f := range reg.Figures() {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Group, f.Doc)
		}
		return tw.Flush()
	}
	p, err := suite.ProfileByName(*profile)
	if err != nil {
		return err
	}
	cfg.Profile = p
	cfg.Only = splitList(*only)
	cfg.Endpoints = splitList(*endpoints)
	cfg.Install = !*noInstall
	cfg.Binary = os.Getenv("DATAMON_BIN")
	cfg.MinioBin = os.Getenv("MINIO_BIN")
	cfg.AccessKey, cfg.SecretKey = os.Getenv("DATAMON_ACCESS_KEY"), os.Getenv("DATAMON_SECRET_KEY")
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, paths, err := suite.Run(ctx, cfg, reg)
	if r != nil {
		summary(stdout, r)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nreport: %s\njson:   %s\n", paths.Markdown, paths.JSON)
	return nil
}

func summary(w io.Writer, r *report.Run) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\t% ceiling\tvs peer\tstatus")
	for _, m := range r.Measurements {
		val, pct, pr := "", "", ""
		if m.Status == report.StatusOK {
			val = fmt.Sprintf("%.4g %s", m.Value, m.Unit)
		}
		if m.Ratio > 0 {
			pct = fmt.Sprintf("%.0f%%", 100*m.Ratio)
		}
		if m.PeerRatio > 0 {
			pr = fmt.Sprintf("%.2f×", m.PeerRatio)
		}
		if t := m.TargetText(); t != "" {
			pr += " (" + t + ")"
		}
		st := string(m.Status)
		if m.Reason != "" {
			st += ": " + firstLine(m.Reason, 70)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Name, val, pct, pr, st)
	}
	tw.Flush()
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
