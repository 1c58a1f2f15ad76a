package main

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/transfer"
	"github.com/spf13/cobra"
)

func (a *app) bundleDownloadCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:         "download",
		Annotations: map[string]string{annInterrupted: "the destination holds part of the bundle; re-run with --force-dest to finish it"},
		Short:       "download a bundle into a directory (latest, --bundle ID or --label L)",
		Long: "Writes the bundle's files, symlinks and directories under --destination, which must be\n" +
			"empty or missing unless --force-dest. Nothing is ever written outside the destination.\n" +
			"--name-filter RE2 keeps only the paths it matches. Prints `Using bundle: <ID>` on stdout;\n" +
			"records the bundle in <destination>/.datamon/<ID>.json (used by diff and update).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "destination")
			if err != nil {
				return err
			}
			opt := transfer.DownloadOptions{Destination: v[1]}
			opt.Force, _ = cmd.Flags().GetBool("force-dest")
			if re, _ := cmd.Flags().GetString("name-filter"); re != "" {
				if opt.NameFilter, err = regexp.Compile(re); err != nil {
					return usagef("--name-filter: %v", err)
				}
			}
			cfg, bar, err := a.transferConfig(cmd, "download")
			if err != nil {
				return err
			}
			opt.Config = cfg
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			if opt.Bundle, err = a.pickBundle(cmd, c, s.context, v[0]); err != nil {
				return err
			}
			filter, _ := cmd.Flags().GetString("name-filter")
			if err := a.recordInput(cmd, c, s.context, v[0], opt.Bundle, filter); err != nil { // run_inputs.go
				return err
			}
			fmt.Fprintf(a.out, "Using bundle: %s\n", opt.Bundle.ID)
			st, err := transfer.Download(ctxOf(cmd), c, opt)
			bar.finish()
			if err != nil {
				if errors.Is(err, transfer.ErrDestNotEmpty) {
					return fmt.Errorf("%w (pass --force-dest)", err)
				}
				return explain(err, fmt.Sprintf("download of bundle %s", opt.Bundle.ID))
			}
			a.say("%d files (%s), %d dirs, %d symlinks written to %s", st.Files, humanBytes(st.Bytes), st.Dirs, st.Symlinks, v[1])
			return nil
		},
	}
	addBundleFlags(cmd)
	cmd.Flags().String("destination", "", "directory to write into (required)")
	cmd.Flags().String("name-filter", "", "only download paths matching this RE2 regular expression")
	cmd.Flags().Bool("force-dest", false, "allow a non-empty destination (existing paths are replaced)")
	addConcurrencyFlag(cmd)
	a.addVerifyHashFlag(cmd)
	cmd.AddCommand(a.bundleDownloadFileCmd())
	return cmd
}

func (a *app) bundleDownloadFileCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "file",
		Short: "download one file of a bundle to <destination>/<file> (exit 2 if absent)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "destination", "file")
			if err != nil {
				return err
			}
			if err := manifest.ValidatePath(v[2]); err != nil {
				return usagef("--file: %v", err)
			}
			cfg, bar, err := a.transferConfig(cmd, "download")
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
			if err := a.recordInput(cmd, c, s.context, v[0], b, v[2]); err != nil { // run_inputs.go
				return err
			}
			fmt.Fprintf(a.out, "Using bundle: %s\n", b.ID)
			_, err = transfer.DownloadFile(ctxOf(cmd), c, cfg, b, v[2], v[1])
			bar.finish()
			return explain(err, fmt.Sprintf("file %q of bundle %s", v[2], b.ID))
		},
	}
	addBundleFlags(cmd)
	cmd.Flags().String("destination", "", "directory to write into (required)")
	cmd.Flags().String("file", "", "path of the file in the bundle (required)")
	addConcurrencyFlag(cmd)
	a.addVerifyHashFlag(cmd)
	return cmd
}

func (a *app) bundleListFilesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "files",
		Short: "list a bundle's files: name, size, hash (latest, --bundle ID or --label L)",
		Long: "One line per file in path order, as datamon: name:<path>, size:<bytes>, hash:<hash>.\n" +
			"--all adds directories and symlinks (each item has .Type: file, dir or symlink).\n" +
			"hash is BLAKE3-256 (hex) of the file's list of chunk IDs, a pure function of its content\n" +
			"(of the target for a symlink; empty for a directory). --prefix P lists only paths starting with P.\n" +
			"--format fields: .Name (alias .NameWithPath), .Type, .Size, .Mode, .MTime, .Target, .Hash.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			prefix, _ := cmd.Flags().GetString("prefix")
			format, _ := cmd.Flags().GetString("format")
			line, err := lineWriter(a.out, format)
			if err != nil && a.output != "json" {
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
			mr, err := manifest.Open(ctxOf(cmd), c, b.ManifestRoot)
			if err != nil {
				return explain(err, fmt.Sprintf("manifest of bundle %s", b.ID))
			}
			var all []bundleFile
			withAll, _ := cmd.Flags().GetBool("all")
			err = mr.Walk(ctxOf(cmd), prefix, func(e manifest.Entry) error {
				if !withAll && e.Type != manifest.File {
					return nil
				}
				f := bundleFile{Name: e.Path, Type: e.Type.String(), Size: e.Size, Target: e.Target,
					Mode: fmt.Sprintf("%04o", e.Mode), MTime: mtimeString(e.MTime), Hash: transfer.ContentHash(e)}
				if a.output == "json" {
					all = append(all, f)
					return nil
				}
				return line(f) // streamed: no list in memory
			})
			if err != nil {
				return explain(err, fmt.Sprintf("manifest of bundle %s", b.ID))
			}
			if a.output == "json" {
				return a.print(cmd, all)
			}
			return nil
		},
	}
	addBundleFlags(cmd)
	cmd.Flags().String("prefix", "", "only paths starting with this")
	cmd.Flags().Bool("all", false, "also list directories and symlinks (default: files only, as datamon)")
	addFormatFlag(cmd, fmtBundleFile)
	return cmd
}
