package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/datamon-io/datamon/localcluster"
)

// rotPut is one PUT of a rotation loop and its outcome.
type rotPut struct {
	key        string
	node       int
	sum        [32]byte
	start, end time.Time
	ok         bool
	code       string // S3 error code of a refusal ("" when ok)
	err        error  // any other failure (transport, undecodable answer)
}

// rotLoop PUTs distinct objects with one secret, round-robin over every
// node's gateway, until stop says so.
type rotLoop struct {
	name    string
	clients []*s3.Client
	mu      sync.Mutex
	puts    []rotPut
	seq     atomic.Int64
}

func newRotLoop(c *localcluster.Cluster, name, id, secret string) *rotLoop {
	l := &rotLoop{name: name}
	for i := range c.Nodes {
		// No retries: every attempt is one recorded PUT.
		l.clients = append(l.clients, s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(c.Nodes[i].S3URL()),
			UsePathStyle: true, HTTPClient: httpClient(), Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")}))
	}
	return l
}

// put does one PUT and records it.
func (l *rotLoop) put(bucket string) rotPut {
	n := l.seq.Add(1)
	p := rotPut{key: fmt.Sprintf("%s/%05d", l.name, n), node: int(n) % len(l.clients)}
	body := []byte(strings.Repeat(fmt.Sprintf("%s-%d;", l.name, n), 64))
	p.sum = sha256.Sum256(body)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p.start = time.Now()
	_, err := l.clients[p.node].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(p.key), Body: bytes.NewReader(body)})
	p.end = time.Now()
	var ae smithy.APIError
	switch {
	case err == nil:
		p.ok = true
	case errors.As(err, &ae) && ae.ErrorCode() != "":
		p.code = ae.ErrorCode()
	default:
		p.err = err
	}
	l.mu.Lock()
	l.puts = append(l.puts, p)
	l.mu.Unlock()
	return p
}

// run starts workers PUTting until their stop rule (one per worker, from
// newStop) says so after a PUT; done is closed when all have stopped.
func (l *rotLoop) run(bucket string, workers int, newStop func() func(rotPut) bool) (done chan struct{}) {
	done = make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		stop := newStop()
		wg.Go(func() {
			for !stop(l.put(bucket)) {
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	return done
}

func (l *rotLoop) snapshot() []rotPut {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]rotPut(nil), l.puts...)
}

// waitDone waits for a loop with a deadline.
func waitDone(t *testing.T, what string, done chan struct{}, d time.Duration) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not stop within %s", what, d)
	}
}

// Key rotation under load on a real three-process cluster: a loop of S3
// PUTs with a key's secret runs before the rotation and through its grace
// period (every PUT answered before the old secret's expiry succeeds),
// and is refused (403 SignatureDoesNotMatch) after it; a loop with the
// new secret succeeds throughout (allowing only each node's replication
// lag right after the rotation). Afterwards the bucket holds exactly the
// acknowledged PUTs of both loops, each with its content: nothing
// acknowledged is lost, nothing refused is stored.
func TestKeyRotationUnderLoad(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	const grace = 8 * time.Second
	c := startCluster(t, 3, 3, "")
	mustCLI(t, c, "repo", "create", "--repo", "rot", "--description", "rotation under load")
	mustCLI(t, c, "user", "create", "--name", "pipe", "--email", "pipe@example.com")
	r := cli(t, c, "key", "create", "--user", "pipe", "--grant", "default/rot=write")
	m := e2eKeySecret.FindStringSubmatch(r.Stdout)
	if r.Code != 0 || m == nil {
		t.Fatalf("key create: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	id, oldSecret := m[1], m[2]

	old := newRotLoop(c, "old", id, oldSecret)
	// The new key replicates to every node: one PUT on each succeeds.
	for i := range c.Nodes {
		deadline := time.Now().Add(20 * time.Second)
		for {
			p := old.put("rot")
			if p.ok && p.node == i {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("new key on node %d: %+v", i, p)
			}
		}
	}
	// Warm-up PUTs (refused ones included, the key's replication lag) are
	// only checked for what they stored.
	warm := old.snapshot()
	old.mu.Lock()
	old.puts = nil
	old.mu.Unlock()

	// The old-secret loop starts before the rotation. Once the rotation
	// has answered with the expiry, each worker stops after three non-OK
	// answers to PUTs sent after it — kept under authlimit's per-(key,
	// source) failure threshold, which would otherwise throttle this key
	// from 127.0.0.1, new secret included — or 20 s after it whatever
	// happened (the checks below say what went wrong).
	var expiry atomic.Pointer[time.Time]
	oldDone := old.run("rot", 2, func() func(rotPut) bool {
		late := 0
		return func(p rotPut) bool {
			e := expiry.Load()
			if e == nil {
				return false
			}
			if !p.ok && p.start.After(*e) {
				late++
			}
			return late >= 3 || time.Now().After(e.Add(20*time.Second))
		}
	})

	// Let the loop run a little before rotating.
	deadline := time.Now().Add(30 * time.Second)
	for len(old.snapshot()) < 6 {
		if time.Now().After(deadline) {
			t.Fatal("old-secret loop made no progress before the rotation")
		}
		time.Sleep(20 * time.Millisecond)
	}

	rotStart := time.Now()
	r = cli(t, c, "--output", "json", "key", "rotate", id, "--grace", grace.String())
	rotAck := time.Now()
	var ks struct {
		Secret         string    `json:"secret"`
		OldSecretUntil time.Time `json:"old_secret_until"`
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &ks) != nil || ks.Secret == "" || ks.Secret == oldSecret {
		t.Fatalf("key rotate: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	e := ks.OldSecretUntil
	if e.Before(rotStart.Add(grace-time.Second)) || e.After(rotAck.Add(grace+time.Second)) {
		t.Fatalf("old_secret_until %s: rotation ran %s..%s with grace %s", e, rotStart, rotAck, grace)
	}
	expiry.Store(&e)
	t.Logf("rotated in %s; old secret valid until %s (%s after the answer)", rotAck.Sub(rotStart), e.Format(time.RFC3339Nano), e.Sub(rotAck))

	// The new-secret loop starts as soon as the secret is known and runs
	// until the old loop has stopped and each worker has had five PUTs
	// sent after the old secret's expiry succeed. A PUT counts by when it
	// was sent, not when it returned: on a loaded machine one sent before
	// the expiry can return after the old loop stopped.
	nw := newRotLoop(c, "new", id, ks.Secret)
	newDone := nw.run("rot", 2, func() func(rotPut) bool {
		after := 0
		return func(p rotPut) bool {
			if p.ok && p.start.After(e) {
				after++
			}
			select {
			case <-oldDone:
				return after >= 5
			default:
				return false
			}
		}
	})
	waitDone(t, "old-secret loop", oldDone, grace+40*time.Second)
	waitDone(t, "new-secret loop", newDone, 40*time.Second)

	olds, news := old.snapshot(), nw.snapshot()
	checkOldLoop(t, olds, rotAck, e)
	checkNewLoop(t, news, rotAck, e, len(c.Nodes))
	checkStored(t, newS3ep(t, c, 1), "rot", append(append(warm, olds...), news...))
}

// checkOldLoop: every PUT answered before the expiry succeeded (some of
// them after the rotation: the grace period was exercised); every PUT
// sent after it was refused with 403 SignatureDoesNotMatch.
func checkOldLoop(t *testing.T, puts []rotPut, rotAck, expiry time.Time) {
	t.Helper()
	inGrace, late := 0, 0
	for _, p := range puts {
		switch {
		case p.err != nil:
			t.Errorf("old secret %s on node %d (%s): %v", p.key, p.node, p.start.Sub(expiry), p.err)
		case p.end.Before(expiry) && !p.ok:
			t.Errorf("old secret %s on node %d refused %s before the expiry: %s", p.key, p.node, expiry.Sub(p.end), p.code)
		case p.end.Before(expiry) && p.start.After(rotAck):
			inGrace++
		case p.start.After(expiry):
			late++
			if p.ok || p.code != "SignatureDoesNotMatch" {
				t.Errorf("old secret %s on node %d sent %s after the expiry: ok=%v code %q, want SignatureDoesNotMatch",
					p.key, p.node, p.start.Sub(expiry), p.ok, p.code)
			}
		}
	}
	t.Logf("old secret: %d PUTs, %d succeeded in the grace period after the rotation, %d sent after the expiry", len(puts), inGrace, late)
	if inGrace < 5 || late < 3 {
		t.Errorf("old secret: %d PUTs in the grace period, %d after it: the loop did not cover the rotation", inGrace, late)
	}
}

// checkNewLoop: the new secret succeeds throughout, on every node; the
// only refusals allowed are a node's before its first success within 5 s
// of the rotation's answer (that node had not applied the rotation yet).
func checkNewLoop(t *testing.T, puts []rotPut, rotAck, expiry time.Time, nodes int) {
	t.Helper()
	sort.Slice(puts, func(i, j int) bool { return puts[i].start.Before(puts[j].start) })
	seen := make([]bool, nodes)
	lag, afterExpiry := 0, 0
	for _, p := range puts {
		switch {
		case p.ok:
			seen[p.node] = true
			if p.start.After(expiry) {
				afterExpiry++
			}
		case p.err == nil && !seen[p.node] && p.code == "SignatureDoesNotMatch" && p.end.Before(rotAck.Add(5*time.Second)):
			lag++
		default:
			t.Errorf("new secret %s on node %d (%s after the rotation): code %q err %v", p.key, p.node, p.start.Sub(rotAck), p.code, p.err)
		}
	}
	t.Logf("new secret: %d PUTs, %d refused during replication lag, %d succeeded after the old secret's expiry", len(puts), lag, afterExpiry)
	for i, ok := range seen {
		if !ok {
			t.Errorf("new secret never succeeded on node %d", i)
		}
	}
	if afterExpiry < 10 {
		t.Errorf("new secret: %d PUTs after the expiry, want at least 10", afterExpiry)
	}
}

// checkStored: the bucket lists exactly the acknowledged PUTs, and each
// reads back with its content.
func checkStored(t *testing.T, e *s3ep, bucket string, puts []rotPut) {
	t.Helper()
	want := map[string][32]byte{}
	for _, p := range puts {
		if p.ok {
			want[p.key] = p.sum
		}
	}
	listed := map[string]bool{}
	for _, k := range e.listKeys(t, bucket, "") {
		listed[k] = true
		if _, ok := want[k]; !ok {
			t.Errorf("s3://%s/%s is stored but its PUT was not acknowledged", bucket, k)
		}
	}
	ctx := context.Background()
	for k, sum := range want {
		if !listed[k] {
			t.Errorf("acknowledged s3://%s/%s is not listed", bucket, k)
		}
		out, err := e.sdk().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
		if err != nil {
			t.Errorf("get acknowledged s3://%s/%s: %v", bucket, k, err)
			continue
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || sha256.Sum256(b) != sum {
			t.Errorf("s3://%s/%s reads back %d bytes (err %v), not what was PUT", bucket, k, len(b), err)
		}
	}
	t.Logf("%d acknowledged PUTs, all listed and read back; %d refused, none stored", len(want), len(puts)-len(want))
}
