package fusefs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/datamon-io/datamon/model"
)

// State is what a staging directory records besides the upper tree.
type State struct {
	Context      string              `json:"context"`
	Repo         string              `json:"repo"`
	Message      string              `json:"message"`
	Label        string              `json:"label,omitempty"`
	Contributors []model.Contributor `json:"contributors,omitempty"`
	// Base is the bundle the mount started from (nil: empty).
	Base *model.Bundle `json:"base,omitempty"`
	// Whiteouts are base paths hidden (with everything below them).
	Whiteouts []string `json:"whiteouts,omitempty"`
}

// Staging is a read-write mount's local state: Dir/tree (upper layer) and
// Dir/state.json. Safe for concurrent use.
type Staging struct {
	dir string

	mu    sync.Mutex
	state State
	wh    map[string]struct{}
}

const stateFile = "state.json"

// CreateStaging prepares dir (created if missing; must not hold a staging
// already) for a new read-write mount.
func CreateStaging(dir string, st State) (*Staging, error) {
	if st.Repo == "" || st.Message == "" {
		return nil, fmt.Errorf("%w: a read-write mount needs a repo and a message", ErrBadConfig)
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil {
		return nil, fmt.Errorf("%w: %s already holds a staged bundle (commit it with `datamon bundle mount commit --staging %s`)", ErrBadConfig, dir, dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tree"), 0o700); err != nil {
		return nil, fmt.Errorf("fusefs: staging: %w", err)
	}
	s := &Staging{dir: dir, state: st, wh: map[string]struct{}{}}
	return s, s.save()
}

// OpenStaging opens an existing staging directory (to retry a commit).
func OpenStaging(dir string) (*Staging, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not a staging directory: %v", ErrBadConfig, dir, err)
	}
	s := &Staging{dir: dir, wh: map[string]struct{}{}}
	if err := json.Unmarshal(b, &s.state); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadConfig, stateFile, err)
	}
	for _, w := range s.state.Whiteouts {
		s.wh[w] = struct{}{}
	}
	if fi, err := os.Stat(s.Tree()); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s has no tree directory", ErrBadConfig, dir)
	}
	return s, nil
}

// Dir returns the staging directory; Tree its upper layer.
func (s *Staging) Dir() string  { return s.dir }
func (s *Staging) Tree() string { return filepath.Join(s.dir, "tree") }

// State returns a copy of the recorded state.
func (s *Staging) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	st.Whiteouts = slices.Clone(st.Whiteouts)
	return st
}

// upper returns the native path of p ("a/b") in the upper layer.
func (s *Staging) upper(p string) string {
	if p == "" {
		return s.Tree()
	}
	return filepath.Join(s.Tree(), filepath.FromSlash(p))
}

// hidden reports whether the base entry at p is hidden by a whiteout on p
// or one of its ancestors.
func (s *Staging) hidden(p string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.wh) == 0 {
		return false
	}
	for {
		if _, ok := s.wh[p]; ok {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// whiteout hides the base entry at p (and below) and persists the index.
func (s *Staging) whiteout(p string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.wh[p]; ok {
		return nil
	}
	s.wh[p] = struct{}{}
	s.state.Whiteouts = append(s.state.Whiteouts, p)
	return s.saveLocked()
}

func (s *Staging) save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Staging) saveLocked() error {
	b, err := json.MarshalIndent(s.state, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("fusefs: staging state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(s.dir, stateFile))
}

// lexists reports whether p exists in the upper layer (symlinks not followed).
func (s *Staging) lexists(p string) (fs.FileInfo, bool, error) {
	fi, err := os.Lstat(s.upper(p))
	switch {
	case err == nil:
		return fi, true, nil
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir):
		return nil, false, nil
	}
	return nil, false, err
}
