package netns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// DefaultStateDir holds the ledgers of running (or crashed) test networks.
const DefaultStateDir = "/run/datamon-jepsen"

// NftTable names an nft table inside a namespace ("" = root namespace).
type NftTable struct {
	NS     string `json:"ns"`
	Family string `json:"family"`
	Name   string `json:"name"`
}

// ledgerState is the JSON content of one ledger file.
type ledgerState struct {
	PID        int        `json:"pid"`
	Namespaces []string   `json:"namespaces,omitempty"`
	Routes     []string   `json:"routes,omitempty"`
	NftTables  []NftTable `json:"nft_tables,omitempty"`
	Mounts     []string   `json:"mounts,omitempty"`
}

// Ledger records every system artifact a run creates so that a later run can
// remove them if this process dies before cleaning up. Safe for concurrent use.
//
// Ownership is an exclusive flock on dir/prefix.lock held for the ledger's
// lifetime: the kernel drops it when the owner dies, whatever PID namespace
// the owner runs in (a PID recorded inside a container or `unshare -p` means
// nothing to a run outside it, and PIDs get reused). The PID is kept as a
// fallback for ledgers written without a lock file.
type Ledger struct {
	mu   sync.Mutex
	path string
	st   ledgerState
	lock *os.File
}

// NewLedger creates the ledger file dir/prefix.json owned by this process.
func NewLedger(dir, prefix string) (*Ledger, error) {
	if dir == "" {
		dir = DefaultStateDir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("netns: ledger dir: %w", err)
	}
	lock, err := lockFile(filepath.Join(dir, prefix+".lock"), true)
	if err != nil {
		return nil, fmt.Errorf("netns: ledger %s: %w", prefix, err)
	}
	l := &Ledger{path: filepath.Join(dir, prefix+".json"), st: ledgerState{PID: os.Getpid()}, lock: lock}
	if err := l.save(); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

// lockFile opens path (creating it when create) and takes an exclusive,
// non-blocking flock on it.
func lockFile(path string, create bool) (*os.File, error) {
	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// release removes the lock file and drops the lock.
func (l *Ledger) release() {
	if l.lock == nil {
		return
	}
	_ = os.Remove(l.lock.Name())
	_ = l.lock.Close()
	l.lock = nil
}

func (l *Ledger) save() error {
	b, _ := json.Marshal(l.st)
	tmp := l.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("netns: ledger write: %w", err)
	}
	return os.Rename(tmp, l.path)
}

func (l *Ledger) update(fn func(*ledgerState)) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fn(&l.st)
	return l.save()
}

func remove(s []string, v string) []string {
	out := s[:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// AddNamespace / DelNamespace and friends record or forget one artifact.
// A nil *Ledger is valid and records nothing.
func (l *Ledger) AddNamespace(ns string) error {
	return l.update(func(s *ledgerState) { s.Namespaces = append(s.Namespaces, ns) })
}
func (l *Ledger) DelNamespace(ns string) error {
	return l.update(func(s *ledgerState) { s.Namespaces = remove(s.Namespaces, ns) })
}
func (l *Ledger) AddRoute(r string) error {
	return l.update(func(s *ledgerState) { s.Routes = append(s.Routes, r) })
}
func (l *Ledger) DelRoute(r string) error {
	return l.update(func(s *ledgerState) { s.Routes = remove(s.Routes, r) })
}
func (l *Ledger) AddMount(p string) error {
	return l.update(func(s *ledgerState) { s.Mounts = append(s.Mounts, p) })
}
func (l *Ledger) DelMount(p string) error {
	return l.update(func(s *ledgerState) { s.Mounts = remove(s.Mounts, p) })
}
func (l *Ledger) AddNftTable(t NftTable) error {
	return l.update(func(s *ledgerState) { s.NftTables = append(s.NftTables, t) })
}
func (l *Ledger) DelNftTable(t NftTable) error {
	return l.update(func(s *ledgerState) {
		out := s.NftTables[:0]
		for _, x := range s.NftTables {
			if x != t {
				out = append(out, x)
			}
		}
		s.NftTables = out
	})
}

// Close removes the ledger file (call after every artifact is gone).
func (l *Ledger) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	l.release()
	return nil
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// CleanupStale removes the artifacts of every ledger in dir whose owning
// process is dead. Ledgers of live processes are left alone.
func CleanupStale(ctx context.Context, dir string, log *slog.Logger) error {
	if dir == "" {
		dir = DefaultStateDir
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("netns: stale scan: %w", err)
	}
	var errs []error
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var st ledgerState
		if json.Unmarshal(b, &st) != nil {
			continue
		}
		lockPath := strings.TrimSuffix(p, ".json") + ".lock"
		lock, err := lockFile(lockPath, false)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if alive(st.PID) { // a ledger without a lock file: judge by PID
				continue
			}
		case err != nil:
			continue // the owner holds its lock: alive
		}
		log.Info("netns: removing stale state", "ledger", p, "pid", strconv.Itoa(st.PID))
		errs = append(errs, removeArtifacts(ctx, st))
		_ = os.Remove(p)
		if lock != nil {
			_ = os.Remove(lockPath)
			_ = lock.Close()
		}
	}
	return errors.Join(errs...)
}

func removeArtifacts(ctx context.Context, st ledgerState) error {
	var errs []error
	for _, m := range st.Mounts {
		if _, err := run(ctx, "umount", "-l", m); err != nil {
			errs = append(errs, err)
		}
	}
	for _, t := range st.NftTables {
		_, _ = Run(ctx, t.NS, "nft", "delete", "table", t.Family, t.Name)
	}
	for _, ns := range st.Namespaces {
		_, _ = run(ctx, "ip", "netns", "del", ns)
	}
	for _, r := range st.Routes {
		_, _ = run(ctx, "ip", "route", "del", "unreachable", r)
	}
	return errors.Join(errs...)
}
