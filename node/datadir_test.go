package node

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A node started on a data dir readable by others (and a node.json of
// mode 0644) makes them private with a warning, and every file and
// directory it then writes for its metadata (raft log, FSM, snapshots) is
// 0600 / 0700 even under a permissive umask.
func TestDataDirMadePrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask: without the fix files would be 0644
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node.json"), []byte(`{"id":"n1","site":"s1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	cfg := DefaultConfig()
	cfg.DataDir, cfg.Site = dir, "s1"
	cfg.Secret = []byte("0123456789abcdef0123")
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	cfg.GossipAddr, cfg.RaftAddr, cfg.APIAddr, cfg.S3Addr, cfg.RPCAddr = freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	cfg.BallastBytes = -1
	cfg.BootstrapExpect, cfg.Fast = 1, true
	cfg.RootAccessKey, cfg.RootSecretKey = "ROOTKEY", "root-secret-0123456789"
	cfg.TestRaftSnapshotThreshold = 4
	n, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; ; i++ { // poll until the group formed and accepts writes
		_, err := n.meta.CreateUser(ctx, model.User{Name: fmt.Sprintf("u%d", i)})
		if err == nil && i >= 12 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("writes: %v", err)
		}
		if err != nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for !hasFiles(filepath.Join(dir, "raft", "snapshots")) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "data dir was accessible to group or others") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v %v", st.Mode(), err)
	}
	checked := map[string]int{}
	for _, sub := range []string{"node.json", "raft/log", "raft/snapshots", "meta"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // a file removed by a compaction meanwhile
			}
			st, err := os.Lstat(p)
			if err != nil {
				return nil
			}
			want := fileMode
			if d.IsDir() {
				want = dirMode
			} else {
				checked[sub]++
			}
			if st.Mode().Perm() != want {
				t.Errorf("%s: mode %#o, want %#o", p, st.Mode().Perm(), want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"node.json", "raft/log", "raft/snapshots", "meta"} {
		if checked[sub] == 0 {
			t.Errorf("no file checked under %s (%v)", sub, checked)
		}
	}
}

func hasFiles(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		found = found || (err == nil && !d.IsDir())
		return nil
	})
	return found
}

// secureDataDir creates a missing dir private and leaves a private one alone.
func TestSecureDataDirFreshAndPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	dir := filepath.Join(t.TempDir(), "a", "data")
	if err := secureDataDir(dir, log); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("fresh data dir mode %v %v", st.Mode(), err)
	}
	if err := secureDataDir(dir, log); err != nil || logs.String() != "" {
		t.Fatalf("private dir: %v, logged %q", err, logs.String())
	}
	f := filepath.Join(dir, "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := secureDataDir(f, log); err == nil {
		t.Fatal("a file accepted as data dir")
	}
}
