package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/fusefs"
	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

func (a *app) bundleMountNewCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "new",
		Short: "mount a read-write bundle; commits a new bundle on unmount, SIGINT or SIGTERM",
		Long: `Mount an empty tree, or a copy-on-write checkout of --from-label / --from-bundle, read-write
at --mount DIR. Changes are staged in --staging DIR (default ~/.cache/datamon/staging/<id>).
On unmount (fusermount3 -u DIR), SIGINT or SIGTERM the final tree is committed as a new bundle
on --label (default: the repo's head label; parents: the base bundle and the bundle the label
pointed at) and "Uploaded bundle id:<ID>" is printed. A failed commit keeps the
staging directory; retry with: datamon bundle mount commit --staging DIR`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "mount", "message")
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
			st := fusefs.State{Context: s.context, Repo: v[0], Message: v[2], Contributors: []model.Contributor{s.file.Contributor()}}
			st.Label, _ = cmd.Flags().GetString("label")
			if st.Label == "" {
				r, err := c.GetRepo(ctxOf(cmd), s.context, v[0])
				switch {
				case errors.Is(err, model.ErrNotFound):
					// Mount anyway (the repo may be created before the
					// commit); no label is set then.
					a.say("repo %q in context %q does not exist (yet): the commit fails until it is created, and sets no label", v[0], s.context)
				case err != nil:
					return explain(err, fmt.Sprintf("repo %q in context %q", v[0], s.context))
				default:
					st.Label = r.Head()
				}
			}
			if st.Base, err = a.mountBase(cmd, c, s.context, v[0]); err != nil {
				return err
			}
			dir, _ := cmd.Flags().GetString("staging")
			if dir == "" {
				var r [8]byte
				_, _ = rand.Read(r[:])
				dir = fusefs.DefaultStagingDir(hex.EncodeToString(r[:]))
			}
			stg, err := fusefs.CreateStaging(dir, st)
			if err != nil {
				return err
			}
			m, err := fusefs.MountReadWrite(ctxOf(cmd), c, cfg, stg, v[1])
			if err != nil {
				return err
			}
			a.say("mounted a new bundle of repo %q at %s (read-write, staging %s)", v[0], v[1], dir)
			unmountOnCancel(ctxOf(cmd), m)
			a.mountReady()
			<-m.Done()
			if err := m.Err(); err != nil {
				a.say("mount ended with an error: %v; committing anyway", err)
			}
			return a.commitStaging(cmd, c, stg)
		},
	}
	f := cmd.Flags()
	f.String("repo", "", "repo name (required)")
	f.String("message", "", "commit message (required)")
	f.String("label", "", "label to set on the new bundle (default: the repo's head label)")
	f.String("from-label", "", "start from the bundle this label names (copy-on-write)")
	f.String("from-bundle", "", "start from this bundle (copy-on-write)")
	f.String("staging", "", "staging directory (default ~/.cache/datamon/staging/<random id>)")
	addMountFlags(cmd)
	a.addVerifyHashFlag(cmd)
	return cmd
}

// mountBase resolves --from-label / --from-bundle (nil: start empty).
func (a *app) mountBase(cmd *cobra.Command, c *client.Client, ctxName, repo string) (*model.Bundle, error) {
	label, _ := cmd.Flags().GetString("from-label")
	id, _ := cmd.Flags().GetString("from-bundle")
	ctx := ctxOf(cmd)
	switch {
	case label != "" && id != "":
		return nil, usagef("--from-label and --from-bundle are exclusive")
	case label != "":
		l, err := c.GetLabel(ctx, ctxName, repo, label)
		if err != nil {
			return nil, explain(err, fmt.Sprintf("label %q of repo %q", label, repo))
		}
		id = l.BundleID
	case id == "":
		return nil, nil
	}
	b, err := c.GetBundle(ctx, ctxName, repo, id)
	if err != nil {
		return nil, explain(err, fmt.Sprintf("bundle %q of repo %q", id, repo))
	}
	return &b, nil
}

func (a *app) bundleMountCommitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "commit",
		Short: "commit the staging directory of a read-write mount whose commit failed",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "staging")
			if err != nil {
				return err
			}
			stg, err := fusefs.OpenStaging(v[0])
			if err != nil {
				return err
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			return a.commitStaging(cmd, c, stg)
		},
	}
	cmd.Flags().String("staging", "", "staging directory of the mount (required)")
	return cmd
}

// commitStaging commits and reports like `bundle upload`.
func (a *app) commitStaging(cmd *cobra.Command, c *client.Client, stg *fusefs.Staging) error {
	tcfg, bar, err := a.transferConfig(cmd, "commit")
	if err != nil {
		return err
	}
	// Not cancelled by the SIGINT/SIGTERM that ended the mount.
	b, stats, err := fusefs.Commit(context.WithoutCancel(ctxOf(cmd)), c, tcfg, stg)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		a.say("commit FAILED: %v\nthe staged data is kept; retry with: datamon bundle mount commit --staging %s", err, stg.Dir())
		return err
	}
	a.say("committed %d files, %d chunks (%d new, %d bytes sent)", stats.Files, stats.Chunks, stats.ChunksNew, stats.BytesNew)
	fmt.Fprintf(a.out, "Uploaded bundle id:%s\n", b.ID)
	if b.ID != "" && stg.State().Label != "" {
		fmt.Fprintf(a.out, "set label '%s'\n", stg.State().Label)
	}
	return nil
}
