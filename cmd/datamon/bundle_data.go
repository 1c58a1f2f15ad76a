package main

import (
	"fmt"
	"io"
	"os"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
	"github.com/spf13/cobra"
)

// Default line formats of the data commands (datamon's).
const (
	fmtBundleFile = "name:{{.NameWithPath}}, size:{{.Size}}, hash:{{.Hash}}"
	fmtDiff       = "{{.Type}} , {{.Name}} , {{.LocalSize}} , {{.LocalHash}} , {{.RemoteSize}} , {{.RemoteHash}}"
)

// addBundleDataCmds adds the commands that move data (upload, download,
// download file, list files, diff, update) to the bundle command built by
// bundleCmd; "list files" goes under its "list".
func (a *app) addBundleDataCmds(bundle *cobra.Command) {
	for _, c := range bundle.Commands() {
		if c.Name() == "list" {
			c.AddCommand(a.bundleListFilesCmd())
		}
	}
	bundle.AddCommand(a.bundleUploadCmd(), a.bundleDownloadCmd(), a.bundleDiffCmd(), a.bundleUpdateCmd())
}

// addBundleFlags adds --repo, --bundle and --label.
func addBundleFlags(cmd *cobra.Command) {
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().String("bundle", "", "bundle ID (default: the latest bundle)")
	cmd.Flags().String("label", "", "label naming the bundle (exclusive with --bundle)")
}

// addConcurrencyFlag adds datamon's --concurrency-factor.
func addConcurrencyFlag(cmd *cobra.Command) {
	cmd.Flags().Int("concurrency-factor", 32,
		"parallelism: files and chunk transfers in flight = factor/4, between 1 and 16 (memory ≈ workers × 16 MiB)")
}

// transferConfig turns the flags into a transfer.Config (progress on a
// terminal stderr).
func (a *app) transferConfig(cmd *cobra.Command, op string) (transfer.Config, *progressBar, error) {
	cfg := transfer.DefaultConfig()
	cfg.Logger = a.logger()
	if f := cmd.Flags().Lookup("concurrency-factor"); f != nil {
		cf, _ := cmd.Flags().GetInt("concurrency-factor")
		if cf < 1 {
			return cfg, nil, usagef("--concurrency-factor must be >= 1, got %d", cf)
		}
		cfg.Concurrency = min(max(cf/4, 1), 16)
	}
	var bar *progressBar
	if writerIsTerminal(a.errOut) {
		bar = newProgressBar(a.errOut, op)
		cfg.Progress = bar.update
	}
	return cfg, bar, nil
}

// pickBundle resolves --bundle, --label or the latest bundle of repo.
func (a *app) pickBundle(cmd *cobra.Command, c *client.Client, ctxName, repo string) (model.Bundle, error) {
	id, _ := cmd.Flags().GetString("bundle")
	label, _ := cmd.Flags().GetString("label")
	ctx := ctxOf(cmd)
	switch {
	case id != "" && label != "":
		return model.Bundle{}, usagef("--bundle and --label are exclusive")
	case label != "":
		l, err := c.GetLabel(ctx, ctxName, repo, label)
		if err != nil {
			return model.Bundle{}, explain(err, fmt.Sprintf("label %q of repo %q", label, repo))
		}
		id = l.BundleID
	case id == "":
		b, err := c.LatestBundle(ctx, ctxName, repo)
		if err != nil {
			return b, explain(err, fmt.Sprintf("latest bundle of repo %q", repo))
		}
		return b, nil
	}
	b, err := c.GetBundle(ctx, ctxName, repo, id)
	if err != nil {
		return b, explain(err, fmt.Sprintf("bundle %q of repo %q", id, repo))
	}
	return b, nil
}

// bundleFile is one line of `bundle list files`.
type bundleFile struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	Mode   string `json:"mode"`
	MTime  string `json:"mtime"`
	Target string `json:"target,omitempty"`
	// Hash is transfer.ContentHash: BLAKE3-256 of the file's chunk-ID list
	// (of the target for a symlink, empty for a directory).
	Hash string `json:"hash"`
}

// NameWithPath is Name, under datamon's name for --format templates.
func (f bundleFile) NameWithPath() string { return f.Name }

// writerIsTerminal reports whether w is an interactive terminal.
func writerIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}
