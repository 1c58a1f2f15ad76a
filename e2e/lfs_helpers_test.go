package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/lfs"
	"github.com/datamon-io/datamon/localcluster"
)

// gitEnv runs git with an isolated HOME (its own global config and
// credential store) and no system config.
type gitEnv struct {
	t    *testing.T
	home string
	ca   string // cluster CA file (trustCA), "" before
}

func newGitEnv(t *testing.T) *gitEnv {
	t.Helper()
	for _, tool := range []string{"git", "git-lfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (scripts/deps.sh installs Debian's git and git-lfs): %v", tool, err)
		}
	}
	g := &gitEnv{t: t, home: t.TempDir()}
	g.must("", "config", "--global", "user.name", "LFS Tester")
	g.must("", "config", "--global", "user.email", "lfs@example.com")
	g.must("", "config", "--global", "init.defaultBranch", "main")
	g.must("", "lfs", "install")
	return g
}

// credentials stores id:secret for each API endpoint in git's credential
// store, where git-lfs asks for it (git credential fill).
func (g *gitEnv) credentials(id, secret string, apiURLs ...string) {
	g.t.Helper()
	file := filepath.Join(g.home, ".git-credentials")
	var lines strings.Builder
	for _, u := range apiURLs {
		lines.WriteString(strings.Replace(u, "://", "://"+id+":"+secret+"@", 1) + "\n")
	}
	if err := os.WriteFile(file, []byte(lines.String()), 0o600); err != nil {
		g.t.Fatal(err)
	}
	g.must("", "config", "--global", "credential.helper", "store --file="+file)
}

// bearer makes git-lfs send a bearer JWT with every request
// (http.extraHeader); no credential helper is configured.
func (g *gitEnv) bearer(token string) {
	g.t.Helper()
	g.must("", "config", "--global", "http.extraHeader", "Authorization: Bearer "+token)
}

// trustCA makes git and git-lfs verify the cluster's https endpoints
// against the cluster CA (http.sslCAInfo).
func (g *gitEnv) trustCA(caFile string) {
	g.t.Helper()
	if caFile != "" {
		g.ca = caFile
		g.must("", "config", "--global", "http.sslCAInfo", caFile)
	}
}

func (g *gitEnv) cmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+g.home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"XDG_CONFIG_HOME="+filepath.Join(g.home, ".config"))
	if g.ca != "" {
		// git-lfs is a Go program: SSL_CERT_FILE sets its roots too.
		cmd.Env = append(cmd.Env, "GIT_SSL_CAINFO="+g.ca, "SSL_CERT_FILE="+g.ca)
	}
	cmd.SysProcAttr = dieWithTest()
	return cmd
}

// run runs git and returns its combined output and error.
func (g *gitEnv) run(dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := g.cmd(ctx, dir, args...).CombinedOutput()
	return string(out), err
}

func (g *gitEnv) must(dir string, args ...string) string {
	g.t.Helper()
	out, err := g.run(dir, args...)
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// writeRandom writes n pseudo-random bytes (seeded) to path.
func writeRandom(t *testing.T, path string, n int, seed uint64) []byte {
	t.Helper()
	b := writeRandomBytes(n, seed)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// writeRandomBytes is the content writeRandom writes for n and seed.
func writeRandomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// storedBytes sums datamon_shard_bytes over the running nodes' /metrics,
// polled until two reads a moment apart agree (background shard writes
// finish after a put returns).
func storedBytes(t *testing.T, c *localcluster.Cluster) int64 {
	t.Helper()
	read := func() int64 { return shardBytesNow(t, c) }
	deadline := time.Now().Add(30 * time.Second)
	prev := read()
	for time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond) // sampling interval of the poll, not a wait for a condition
		cur := read()
		if cur == prev {
			return cur
		}
		prev = cur
	}
	t.Fatalf("stored bytes never settled (last %d)", prev)
	return 0
}

// shardBytesNow is one scrape of datamon_shard_bytes summed over the running nodes.
func shardBytesNow(t *testing.T, c *localcluster.Cluster) int64 {
	t.Helper()
	return metricNow(t, c, "datamon_shard_bytes")
}

// metricNow is one scrape of an unlabelled metric summed over the running nodes.
func metricNow(t *testing.T, c *localcluster.Cluster, name string) int64 {
	t.Helper()
	var sum int64
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		req, _ := http.NewRequest("GET", n.APIURL()+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+c.Secrets.MetricsToken)
		resp, err := httpClient().Do(req)
		if err != nil {
			t.Fatalf("scrape %s: %v", n.APIURL(), err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
				f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
				sum += int64(f)
			}
		}
		resp.Body.Close()
	}
	return sum
}

// lfsCall is a raw request to the LFS API (bad-input checks).
func lfsCall(t *testing.T, method, url, auth string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", lfs.MediaType)
	req.Header.Set("Content-Type", lfs.MediaType)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func lfsBatch(t *testing.T, url, auth, op string, objs ...lfs.ObjectSpec) (int, lfs.BatchResponse) {
	t.Helper()
	b, _ := json.Marshal(lfs.BatchRequest{Operation: op, Transfers: []string{"basic"}, Objects: objs, HashAlgo: "sha256"})
	st, out := lfsCall(t, "POST", url+"/objects/batch", auth, b)
	var br lfs.BatchResponse
	if st == 200 {
		if err := json.Unmarshal(out, &br); err != nil {
			t.Fatalf("batch answer %s: %v", out, err)
		}
	}
	return st, br
}

// lfsObjectOK checks that a visible object downloads as bytes hashing to its OID.
func lfsObjectOK(t *testing.T, url, auth string, o lfs.ObjectSpec) error {
	t.Helper()
	st, br := lfsBatch(t, url, auth, "download", o)
	if st != 200 || len(br.Objects) != 1 {
		return fmt.Errorf("download batch: %d", st)
	}
	r := br.Objects[0]
	if r.Error != nil {
		return fmt.Errorf("error %d: %s", r.Error.Code, r.Error.Message)
	}
	a := r.Actions["download"]
	st, body := lfsCall(t, "GET", a.Href, a.Header["Authorization"], nil)
	if st != 200 || int64(len(body)) != o.Size || sha256Hex(body) != o.OID {
		return fmt.Errorf("download: %d, %d bytes, sha256 %s (want %d bytes, %s)", st, len(body), sha256Hex(body), o.Size, o.OID)
	}
	return nil
}
