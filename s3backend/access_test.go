package s3backend

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
)

// serveGateway runs the real gateway over e's backend (also its Keys) on
// 127.0.0.1 and returns its URL.
func serveGateway(t *testing.T, e *env) string {
	t.Helper()
	cfg := gateway.DefaultConfig()
	srv, err := gateway.New(cfg, e.b, e.b)
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
	return "http://" + ln.Addr().String()
}

func s3As(url, ak, sk string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""), RetryMaxAttempts: 1})
}

func s3Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// With a user's key from the identity store, through the AWS SDK against the
// real gateway: ListBuckets shows only what the key may read; a bucket the
// key has no grant on is AccessDenied whether or not it exists, in its
// own context or another (no NoSuchBucket leak); read-only refuses writes;
// a cluster-wide read grant sees every bucket; a rotated key's old secret
// works in the grace period and not once revoked.
func TestS3OnlyWhatTheKeyMaySee(t *testing.T) {
	e := newEnv(t, 1, nil)
	for _, b := range []string{"pub", "secret"} {
		e.mkBucket(b)
	}
	if _, err := e.meta.CreateContext(e.ctx, model.Context{Name: "team"}); err != nil {
		t.Fatal(err)
	}
	e.mkBucket("team.data")
	e.put("pub", "f", []byte("public"))
	e.put("secret", "f", []byte("secret"))
	if _, err := e.meta.CreateUser(e.ctx, model.User{Name: "ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	const ak, sk = "AKANNREADER", "ann-reader-secret-0001"
	if _, err := e.meta.CreateKey(e.ctx, model.AccessKey{ID: ak, Secret: sk, User: "ann",
		Grants: map[string]model.Permission{"default/pub": model.PermRead}}); err != nil {
		t.Fatal(err)
	}
	url := serveGateway(t, e)
	ctx := e.ctx
	c := s3As(url, ak, sk)

	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range lb.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	if len(names) != 1 || names[0] != "pub" {
		t.Fatalf("ListBuckets: %v, want [pub]", names)
	}
	if out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pub"), Key: aws.String("f")}); err != nil {
		t.Fatalf("get pub/f: %v", err)
	} else {
		out.Body.Close()
	}
	for _, bucket := range []string{"secret", "nosuchrepo", "team.data", "team.nosuchrepo", "nosuchctx.repo"} {
		_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
			t.Errorf("HeadBucket %s: %v, want 403", bucket, err)
		}
		_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		if s3Code(err) != "AccessDenied" {
			t.Errorf("ListObjects %s: %v, want AccessDenied", bucket, err)
		}
		_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("f")})
		if s3Code(err) != "AccessDenied" {
			t.Errorf("GetObject %s: %v, want AccessDenied", bucket, err)
		}
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("x"), Body: bytes.NewReader([]byte("x"))})
		if s3Code(err) != "AccessDenied" {
			t.Errorf("PutObject %s: %v, want AccessDenied", bucket, err)
		}
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pub"), Key: aws.String("x"), Body: bytes.NewReader([]byte("x"))}); s3Code(err) != "AccessDenied" {
		t.Errorf("read-only PutObject: %v", err)
	}
	if _, _, err := e.get("pub", "x", nil); !errors.Is(err, gateway.ErrNoSuchKey) {
		t.Fatalf("refused put stored: %v", err)
	}

	// A cluster-wide read grant sees every bucket of every context.
	if _, err := e.meta.AddGrant(ctx, ak, model.ScopeCluster, model.PermRead); err != nil {
		t.Fatal(err)
	}
	err = waitFor(func() error {
		lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			return err
		}
		names = names[:0]
		for _, b := range lb.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
		sort.Strings(names)
		if len(names) != 3 || names[0] != "pub" || names[1] != "secret" || names[2] != "team.data" {
			return errors.New("buckets " + join(names))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Rotation: the old secret works in the grace period, not after a
	// rotation without grace.
	if _, err := e.meta.RotateKey(ctx, ak, "ann-reader-secret-0002", time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{sk, "ann-reader-secret-0002"} {
		if err := waitFor(func() error {
			_, err := s3As(url, ak, s).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("pub")})
			return err
		}); err != nil {
			t.Fatalf("secret %s after rotation with grace: %v", s, err)
		}
	}
	if _, err := e.meta.RotateKey(ctx, ak, "ann-reader-secret-0003", 0); err != nil {
		t.Fatal(err)
	}
	err = waitFor(func() error {
		_, err := s3As(url, ak, "ann-reader-secret-0002").ListBuckets(ctx, &s3.ListBucketsInput{})
		if s3Code(err) != "SignatureDoesNotMatch" {
			return errors.New("revoked secret: " + s3Code(err))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3As(url, ak, "ann-reader-secret-0003").ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("new secret: %v", err)
	}
}

func join(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}
