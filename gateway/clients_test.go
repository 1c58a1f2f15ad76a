package gateway_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tool finds an external client; the test is skipped only when it is not
// installed (scripts/deps.sh installs all of them).
func tool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if filepath.IsAbs(n) {
			if _, err := os.Stat(n); err == nil {
				return n
			}
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skipf("%s not installed (scripts/deps.sh installs it)", names[len(names)-1])
	return ""
}

// run runs a client command and fails the test on a non-zero exit.
func run(t *testing.T, envv []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	for _, kv := range os.Environ() {
		// A CA bundle from the machine's environment breaks rclone's SDK
		// setup and is irrelevant for loopback HTTP.
		if !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") && !strings.HasPrefix(kv, "AWS_PROFILE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, envv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// makeTree writes a small nested tree and returns its root.
func makeTree(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	for i := 0; i < n; i++ {
		p := filepath.Join(root, fmt.Sprintf("d%d/sub %d/file-%02d.txt", i%3, i%2, i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, randBytes(1000+i*37), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// sameTree compares two directory trees byte for byte.
func sameTree(t *testing.T, a, b string) {
	t.Helper()
	n := 0
	filepath.Walk(a, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("tree mismatch at %s: %v", rel, err)
		}
		n++
		return nil
	})
	if n == 0 {
		t.Errorf("empty tree %s", a)
	}
}

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, _ := os.ReadFile(a)
	y, err := os.ReadFile(b)
	if err != nil || !bytes.Equal(x, y) || len(x) == 0 {
		t.Errorf("file %s != %s (%d vs %d bytes, %v)", a, b, len(x), len(y), err)
	}
}

func writeRand(t *testing.T, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "blob.bin")
	if err := os.WriteFile(p, randBytes(n), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}
