package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
	"github.com/spf13/cobra"
)

// uploadResult is `bundle upload --output json`.
type uploadResult struct {
	Bundle model.Bundle         `json:"bundle"`
	Label  string               `json:"label,omitempty"`
	Stats  transfer.UploadStats `json:"stats"`
}

func (a *app) bundleUploadCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "upload",
		// Chunks already sent stay (deduplicated); the bundle is committed in
		// one step at the end, so an interrupted upload commits nothing.
		Annotations: map[string]string{annInterrupted: "nothing was committed; re-running resumes (chunks already sent are not sent again)"},
		Short:       "upload a directory as a new bundle (prints `Uploaded bundle id:<ID>`)",
		Long: "Uploads the tree under --path (files with their modes and mtimes, symlinks, empty\n" +
			"directories; .datamon, .conflicts and .checkpoints are skipped) and commits it as one bundle,\n" +
			"moving --label (default: the repo's head label, see `repo create --head-label`) to it in the\n" +
			"same commit; the bundle the label pointed at becomes the new bundle's parent. Only chunks the\n" +
			"cluster lacks are sent.\n" +
			"--files LIST uploads only the paths listed in LIST (one per line, relative to --path).\n" +
			"Prints `Uploaded bundle id:<ID>` and `set label '<L>'` on stdout\n" +
			"(--output json: the bundle, label and transfer statistics); statistics go to stderr.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "path", "message")
			if err != nil {
				return err
			}
			label, _ := cmd.Flags().GetString("label")
			if label != "" {
				if err := model.ValidateLabelName(label); err != nil {
					return usagef("--label: %v", err)
				}
			}
			opt := transfer.UploadOptions{Repo: v[0], Path: v[1], Message: v[2], Label: label}
			opt.SkipOnError, _ = cmd.Flags().GetBool("skip-on-error")
			if list, _ := cmd.Flags().GetString("files"); list != "" {
				f, err := os.Open(list)
				if err != nil {
					return usagef("--files: %v", err)
				}
				opt.Files, err = transfer.ParseFileList(f)
				_ = f.Close()
				if err != nil {
					return usagef("--files %s: %v", list, err)
				}
			}
			if fi, err := os.Stat(opt.Path); err != nil || !fi.IsDir() {
				return usagef("--path %q is not a readable directory", opt.Path)
			}
			cfg, bar, err := a.transferConfig(cmd, "upload")
			if err != nil {
				return err
			}
			opt.Config = cfg
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			opt.Context = s.context
			if ct := s.file.Contributor(); ct != (model.Contributor{}) {
				opt.Contributors = []model.Contributor{ct}
			}
			repo, err := c.GetRepo(ctxOf(cmd), s.context, opt.Repo)
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q in context %q", opt.Repo, s.context))
			}
			if label == "" {
				label = repo.Head()
			}
			opt.Label, opt.LabelParent = label, true
			b, stats, err := transfer.Upload(ctxOf(cmd), c, c, opt)
			bar.finish()
			if err != nil {
				return explain(err, fmt.Sprintf("upload to repo %q", opt.Repo))
			}
			a.say("%d files, %d dirs, %d symlinks, %d skipped; %s in %d chunks, %s new in %d chunks",
				stats.Files, stats.Dirs, stats.Symlinks, stats.Skipped, humanBytes(stats.Bytes), stats.Chunks,
				humanBytes(stats.BytesNew), stats.ChunksNew)
			if len(b.Parents) > 0 {
				a.say("parent: %s (the bundle label %q pointed at)", strings.Join(b.Parents, ", "), label)
			}
			if a.output == "json" {
				return render(a.out, "json", "", uploadResult{Bundle: b, Label: label, Stats: stats})
			}
			fmt.Fprintf(a.out, "Uploaded bundle id:%s\n", b.ID)
			fmt.Fprintf(a.out, "set label '%s'\n", label)
			return nil
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().String("path", "", "directory to upload (required)")
	cmd.Flags().String("message", "", "bundle message (required)")
	cmd.Flags().String("label", "", "label to point at the new bundle (default: the repo's head label)")
	cmd.Flags().String("files", "", "file listing the paths to upload, one per line, relative to --path")
	cmd.Flags().Bool("skip-on-error", false, "skip unreadable files instead of failing")
	addConcurrencyFlag(cmd)
	return cmd
}
