package e2e

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/lfs"
	"github.com/datamon-io/datamon/localcluster"
)

// lockedBuffer is an io.Writer safe to read while a process writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lfsKillDuringPush: the cluster spreads transfers (--lfs-spread-transfers),
// so the node receiving an object's bytes is not the batch's. SIGKILL it
// while a 60 MiB object streams in: git-lfs retries the object within the
// same `git push` (a new batch names an alive node), the push exits 0,
// the object is whole, and while the push ran it was absent or whole.
func lfsKillDuringPush(t *testing.T, c *localcluster.Cluster, g *gitEnv, work string, files map[string][]byte) {
	t.Helper()
	root := basicAuth(c.Secrets.AccessKey, c.Secrets.SecretKey)
	files["new.bin"] = writeRandom(t, filepath.Join(work, "new.bin"), 60<<20, 3)
	g.must(work, "add", "new.bin")
	g.must(work, "commit", "-qm", "v3")
	spec := lfs.ObjectSpec{OID: sha256Hex(files["new.bin"]), Size: 60 << 20}
	_, br := lfsBatch(t, c.Nodes[0].APIURL()+"/lfs/default/games", root, "upload", spec)
	up := br.Objects[0].Actions["upload"]
	if up == nil {
		t.Fatalf("upload batch: %+v", br)
	}
	probe := nodeOf(c, up.Href)
	if probe < 0 {
		t.Fatalf("upload href %s names no node of the cluster", up.Href)
	}
	batch := (probe + 1) % len(c.Nodes)
	batchURL := c.Nodes[batch].APIURL() + "/lfs/default/games"

	before := storedBytes(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	push := g.cmd(ctx, work, "-c", "lfs.url="+batchURL, "-c", "lfs.transfer.maxretries=40",
		"-c", "lfs.transfer.maxretrydelay=2", "push", "origin", "main")
	push.Env = append(push.Env, "GIT_TRACE=1")
	var out lockedBuffer
	push.Stdout, push.Stderr = &out, &out
	if err := push.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- push.Wait() }()
	var pushErr error
	finished, killed, victim := false, false, -1
	for deadline := time.Now().Add(2 * time.Minute); !killed && time.Now().Before(deadline); {
		select {
		case pushErr = <-done:
			finished = true
		default:
		}
		if finished {
			break
		}
		if victim < 0 { // the node of the push's own PUT (git-lfs traces it as it starts)
			if _, u, ok := strings.Cut(out.String(), "HTTP: PUT "); ok {
				if victim = nodeOf(c, u); victim < 0 || victim == batch {
					t.Fatalf("the push uploads to node %d (batch node %d): %.200s", victim, batch, u)
				}
			}
		}
		if victim >= 0 && shardBytesNow(t, c)-before > 20<<20 {
			if err := c.Kill(victim); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
		time.Sleep(20 * time.Millisecond) // scrape interval while the upload runs
	}
	if !killed {
		t.Fatalf("node %d was not killed mid-upload (push finished %v: %v)\n%s", victim, finished, pushErr, tail(out.String(), 6000))
	}
	// While git-lfs retries: the object is absent or whole, never partial.
	for whole := false; !finished; {
		if !whole {
			err := lfsObjectOK(t, batchURL, root, spec)
			if err != nil && !strings.Contains(err.Error(), "error 404") {
				t.Fatalf("object during the retried push: %v", err)
			}
			whole = err == nil
		}
		select {
		case pushErr = <-done:
			finished = true
		case <-time.After(200 * time.Millisecond): // poll interval while the push runs
		}
	}
	trace := out.String()
	if pushErr != nil {
		t.Fatalf("git push with node %d killed mid-upload: %v\n%s", victim, pushErr, tail(trace, 6000))
	}
	if !strings.Contains(trace, "enqueue retry") || !strings.Contains(trace, spec.OID) {
		t.Fatalf("git-lfs did not retry the object (the kill missed the upload?)\n%s", tail(trace, 6000))
	}
	var puts []string
	for _, l := range strings.Split(trace, "\n") {
		if _, u, ok := strings.Cut(l, "HTTP: PUT "); ok {
			puts = append(puts, strings.SplitN(u, "/lfs/", 2)[0])
		}
	}
	t.Logf("node %d (%s) SIGKILLed mid-upload; git-lfs retried (%d retry lines), PUTs to %v",
		victim, c.Nodes[victim].APIURL(), strings.Count(trace, "enqueue retry"), puts)
	if err := lfsObjectOK(t, batchURL, root, spec); err != nil {
		t.Fatalf("after the push: %v", err)
	}
	if err := c.Restart(victim); err != nil {
		t.Fatal(err)
	}
	waitReadyAgain(t, c)
	// The retried upload wrote degraded (the victim's shards queued for
	// repair): let the repairs land before later steps measure stored bytes.
	for deadline := time.Now().Add(2 * time.Minute); metricNow(t, c, "datamon_cas_pending_repairs") > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("repairs for node %d still pending after its restart", victim)
		}
		time.Sleep(200 * time.Millisecond) // poll interval while repairs run
	}
}

// nodeOf is the index of the node whose API URL starts url, or -1.
func nodeOf(c *localcluster.Cluster, url string) int {
	for i, n := range c.Nodes {
		if strings.HasPrefix(url, n.APIURL()+"/") {
			return i
		}
	}
	return -1
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
