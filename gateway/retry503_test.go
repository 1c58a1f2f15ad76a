package gateway_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/gateway/memback"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// errTooFewOwners stands in for the cluster's "0 of 6 shards durable, need
// 5 (2 owners dead)" (node wires cas.ErrInsufficientShards and the Raft
// sentinels through Config.Unavailable the same way).
var errTooFewOwners = errors.New("test: too few shard owners alive")

// degradedBackend fails the first `down` PutObject calls as a cluster in
// the middle of a site loss does, then stores normally.
type degradedBackend struct {
	*memback.Backend
	down  int32
	calls atomic.Int32
}

func (b *degradedBackend) PutObject(ctx context.Context, id gateway.Identity, bucket, key string, body io.Reader, size int64, meta gateway.PutMeta) (gateway.ObjectInfo, error) {
	if b.calls.Add(1) <= b.down {
		_, _ = io.Copy(io.Discard, body)
		return gateway.ObjectInfo{}, fmt.Errorf("backend: put %s/%s: 0 of 6 shards durable, need 5: %w", bucket, key, errTooFewOwners)
	}
	return b.Backend.PutObject(ctx, id, bucket, key, body, size, meta)
}

// answer is one HTTP answer the SDK received.
type answer struct {
	status     int
	retryAfter string
	code       string
}

// recorder is the SDK's transport: it records every answer's status,
// Retry-After and S3 error code.
type recorder struct {
	mu      sync.Mutex
	answers []answer
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode >= 300 {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct{ Code string }
		_ = xml.Unmarshal(body, &e)
		a.code = e.Code
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.answers = append(r.answers, a)
	r.mu.Unlock()
	return resp, nil
}

// An S3 SDK (minio-go) PUT during a degraded moment gets 503
// ServiceUnavailable with Retry-After and an XML body, retries on its own,
// and succeeds once the cluster is back; the object then reads back.
func TestSDKRetriesDegraded503(t *testing.T) {
	cfg := gateway.DefaultConfig()
	cfg.Unavailable = func(err error) bool { return errors.Is(err, errTooFewOwners) }
	mb, err := memback.New(memback.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	be := &degradedBackend{Backend: mb, down: 2}
	keys := memback.NewKeys()
	keys.Add(testAK, testSK, gateway.Identity{Root: true, Name: "tester"})
	srv, err := gateway.New(cfg, keys, be)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	rec := &recorder{}
	c, err := minio.New(ln.Addr().String(), &minio.Options{Creds: credentials.NewStaticV4(testAK, testSK, ""),
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.MakeBucket(ctx, "degraded", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	data := randBytes(64 << 10)
	if _, err := c.PutObject(ctx, "degraded", "k", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("PutObject across a degraded moment: %v (answers %+v)", err, rec.answers)
	}
	if n := be.calls.Load(); n != 3 {
		t.Fatalf("backend saw %d PUTs, want 3 (2 degraded + 1)", n)
	}
	rec.mu.Lock()
	var unavailable int
	for _, a := range rec.answers {
		if a.status >= 500 {
			if a.status != http.StatusServiceUnavailable || a.code != "ServiceUnavailable" || a.retryAfter != "1" {
				t.Errorf("degraded answer %+v, want 503 ServiceUnavailable with Retry-After: 1", a)
			}
			unavailable++
		}
	}
	rec.mu.Unlock()
	if unavailable != 2 {
		t.Fatalf("%d 5xx answers, want 2: %+v", unavailable, rec.answers)
	}
	o, err := c.GetObject(ctx, "degraded", "k", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(o)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
}

// A bug is still a 500 InternalError (no Retry-After): nothing says
// waiting helps.
func TestBugStays500(t *testing.T) {
	unavail := func(err error) bool { return errors.Is(err, errTooFewOwners) }
	if code, status := gateway.ErrorFor(errors.New("nil pointer"), unavail); status != 500 || code != "InternalError" {
		t.Fatalf("bug → %s %d, want InternalError 500", code, status)
	}
	if code, status := gateway.ErrorFor(fmt.Errorf("put: %w", gateway.ErrUnavailable), nil); status != 503 || code != "ServiceUnavailable" {
		t.Fatalf("ErrUnavailable → %s %d", code, status)
	}
	if code, status := gateway.ErrorFor(fmt.Errorf("put: %w", gateway.ErrNoSuchKey), func(error) bool { return true }); status != 404 || code != "NoSuchKey" {
		t.Fatalf("a sentinel wins over Unavailable: %s %d", code, status)
	}
}
