package sidecar

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Exit codes of `datamon sidecar`, one per failure kind (documented in
// docs/kubernetes.md).
const (
	ExitOK           = 0
	ExitInputMissing = 10 // an input's repo, label or bundle does not exist
	ExitMountFailed  = 11 // an input could not be mounted in time
	ExitAppFailed    = 12 // the application exited non-zero
	ExitAppTimeout   = 13 // the application did not finish (or report) in time
	ExitCommitFailed = 14 // an output could not be uploaded; its data is kept
	ExitUnreachable  = 15 // the cluster did not answer in time
	ExitUsage        = 64
)

// Sentinel errors.
var (
	ErrConfig = errors.New("sidecar: invalid config")
	ErrSpec   = errors.New("sidecar: bad input/output spec")
)

// Spec is one input or output: REPO:LABEL:DIR (an input may name a bundle
// ID instead of a label with REPO@BUNDLE:DIR).
type Spec struct {
	Repo, Label, Bundle, Dir string
}

// ParseSpec parses "repo:label:/dir" or "repo@bundle:/dir".
func ParseSpec(s string, output bool) (Spec, error) {
	first, dir, ok := strings.Cut(s, ":")
	if !ok {
		return Spec{}, fmt.Errorf("%w: %q: want REPO:LABEL:DIR or REPO@BUNDLE:DIR", ErrSpec, s)
	}
	var sp Spec
	if repo, id, ok := strings.Cut(first, "@"); ok {
		if output {
			return Spec{}, fmt.Errorf("%w: %q: an output is committed on a label (REPO:LABEL:DIR)", ErrSpec, s)
		}
		sp.Repo, sp.Bundle, sp.Dir = repo, id, dir
	} else {
		label, d, ok := strings.Cut(dir, ":")
		if !ok {
			return Spec{}, fmt.Errorf("%w: %q: want REPO:LABEL:DIR", ErrSpec, s)
		}
		sp.Repo, sp.Label, sp.Dir = first, label, d
	}
	if sp.Repo == "" || (sp.Label == "") == (sp.Bundle == "") {
		return Spec{}, fmt.Errorf("%w: %q: a repo and a label (or an input's bundle) are required", ErrSpec, s)
	}
	for _, v := range []string{sp.Repo, sp.Label, sp.Bundle} {
		if strings.HasPrefix(v, "-") || strings.ContainsAny(v, "\x00\n\r/") {
			return Spec{}, fmt.Errorf("%w: %q: bad name %q", ErrSpec, s, v)
		}
	}
	if !filepath.IsAbs(sp.Dir) || strings.ContainsRune(sp.Dir, 0) {
		return Spec{}, fmt.Errorf("%w: %q: the directory must be an absolute path", ErrSpec, s)
	}
	sp.Dir = filepath.Clean(sp.Dir)
	return sp, nil
}

// Config configures one sidecar run.
type Config struct {
	Inputs, Outputs []Spec
	// Command runs the application as a child (empty: wait for DoneFile).
	Command []string
	// DoneFile is where an application in another container writes its
	// exit code when it finishes.
	DoneFile string
	// StatusFile is the status the sidecar keeps up to date.
	StatusFile string
	// Context of every repo; Message of the output bundles.
	Context, Message string
	// Binary is the datamon executable (default: this one).
	Binary string
	// Bounds of each phase.
	ConnectTimeout, MountTimeout, AppTimeout, CommitTimeout time.Duration
	Logger                                                  *slog.Logger
}

// DefaultConfig: 30s to reach the cluster, 2 minutes per mount, 24 hours
// for the application, 30 minutes per output.
func DefaultConfig() Config {
	return Config{Context: "default", Message: "written by datamon sidecar", ConnectTimeout: 30 * time.Second,
		MountTimeout: 2 * time.Minute, AppTimeout: 24 * time.Hour, CommitTimeout: 30 * time.Minute}
}

// Validate checks c and fills defaults.
func (c *Config) Validate() error {
	switch {
	case c.StatusFile == "":
		return fmt.Errorf("%w: a status file is required", ErrConfig)
	case len(c.Command) == 0 && c.DoneFile == "":
		return fmt.Errorf("%w: give the application's command (after --) or the file it reports its exit code in (--wait-for)", ErrConfig)
	case len(c.Command) > 0 && c.DoneFile != "":
		return fmt.Errorf("%w: a command and --wait-for are exclusive", ErrConfig)
	case c.ConnectTimeout <= 0 || c.MountTimeout <= 0 || c.AppTimeout <= 0 || c.CommitTimeout <= 0:
		return fmt.Errorf("%w: every timeout must be positive: nothing waits forever", ErrConfig)
	case c.Context == "" || c.Message == "":
		return fmt.Errorf("%w: context and message must not be empty", ErrConfig)
	}
	if c.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		c.Binary = exe
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
