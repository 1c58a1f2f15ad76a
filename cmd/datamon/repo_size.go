package main

import (
	"fmt"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

// Line formats of `repo list|get --with-size` (when --format is not given).
const (
	fmtRepoSize    = fmtRepo + " , {{.Size}} ({{.HumanSize}})"
	fmtRepoGetSize = fmtRepoSize + "{{range .Bundles}}\n  {{.ID}} , {{.Message}} , {{.Timestamp}} , {{.Size}} ({{.HumanSize}}){{end}}"
)

// withSizeHelp is the help of --with-size (repo list and repo get).
const withSizeHelp = "add the repo's size: the sum of the file sizes of all its bundles, ignoring dedup " +
	"(unchanged files count once per bundle; not the space used in the cluster)"

// repoWithSize is a repo line of `repo list|get --with-size`.
type repoWithSize struct {
	model.Repo
	Size uint64 `json:"size"`
	// Bundles is set by repo get only.
	Bundles []bundleSize `json:"bundles,omitempty"`
}

// HumanSize is Size in binary units (e.g. 1.5 GiB).
func (r repoWithSize) HumanSize() string { return humanSize(r.Size) }

// bundleSize is one bundle line of `repo get --with-size`.
type bundleSize struct {
	ID        string    `json:"id"`
	Message   string    `json:"message"`
	Timestamp time.Time `json:"timestamp"`
	Size      uint64    `json:"size"`
}

// HumanSize is Size in binary units.
func (b bundleSize) HumanSize() string { return humanSize(b.Size) }

func humanSize(n uint64) string { return humanBytes(int64(min(n, 1<<63-1))) }

// printReposWithSize prints repos with their sizes (repo list --with-size).
func (a *app) printReposWithSize(cmd *cobra.Command, c *client.Client, ctxName string, rs []model.Repo) error {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name
	}
	sizes, err := c.RepoSizes(ctxOf(cmd), ctxName, names, 8)
	if err != nil {
		return explain(err, fmt.Sprintf("context %q", ctxName))
	}
	out := make([]repoWithSize, 0, len(rs))
	for i, r := range rs {
		if !sizes[i].Gone {
			out = append(out, repoWithSize{Repo: r, Size: sizes[i].Bytes})
		}
	}
	return a.printWithSize(cmd, out, fmtRepoSize)
}

// printRepoWithSize prints one repo with its size and a line per bundle
// (repo get --with-size).
func (a *app) printRepoWithSize(cmd *cobra.Command, c *client.Client, ctxName string, r model.Repo) error {
	sz, err := c.RepoSize(ctxOf(cmd), ctxName, r.Name)
	if err != nil {
		return explain(err, fmt.Sprintf("repo %q", r.Name))
	}
	out := repoWithSize{Repo: r, Size: sz.Bytes, Bundles: make([]bundleSize, 0, len(sz.Bundles))}
	for _, b := range sz.Bundles {
		out.Bundles = append(out.Bundles, bundleSize{ID: b.ID, Message: b.Message, Timestamp: b.Timestamp, Size: b.ByteCount})
	}
	return a.printWithSize(cmd, out, fmtRepoGetSize)
}

// printWithSize prints v with --format, or with def when --format was not
// given (the plain format has no size).
func (a *app) printWithSize(cmd *cobra.Command, v any, def string) error {
	format, _ := cmd.Flags().GetString("format")
	if !cmd.Flags().Changed("format") {
		format = def
	}
	return render(a.out, a.output, format, v)
}
