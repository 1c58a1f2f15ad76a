package s3backend

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// serveGatewayWith is serveGateway over backend b with cfg adjusted by mod.
func serveGatewayWith(t *testing.T, b *Backend, mod func(*gateway.Config)) string {
	t.Helper()
	cfg := gateway.DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	srv, err := gateway.New(cfg, b, b)
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

// A node restarted with another cluster secret cannot open the sealed
// secrets of its access keys: the gateway answers 503 ServiceUnavailable
// (this node cannot vouch for the key, another may; nothing was done),
// not 500 and not a 403 that would blame the caller's credentials.
func TestSealedSecretIsServiceUnavailable(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("pub")
	const ak, sk = "AKSEALED", "sealed-secret-0123456789"
	if _, err := e.meta.CreateUser(e.ctx, model.User{Name: "ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := e.meta.PutAccessKey(e.ctx, model.AccessKey{ID: ak, Secret: sk, User: "ann",
		Grants: map[string]model.Permission{"default/pub": model.PermWrite}}); err != nil {
		t.Fatal(err)
	}
	url := serveGatewayWith(t, e.b, nil)
	if _, err := s3As(url, ak, sk).PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("pub"), Key: aws.String("a"),
		Body: strings.NewReader("a")}); err != nil {
		t.Fatalf("before the secret changed: %v", err)
	}

	id := e.c.IDs()[0]
	e.c.Stop(id)
	e.c.SetSecret([]byte("another cluster secret, not the one"))
	e.c.Restart(id)
	m := e.c.Meta(id)
	var lerr error
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, lerr = m.GetAccessKey(raftmeta.WithStale(e.ctx), ak)
		if errors.Is(lerr, raftmeta.ErrSealed) {
			return nil
		}
		return errors.New("not applied yet")
	}); err != nil {
		t.Fatalf("GetAccessKey with another secret: %v", lerr)
	}
	b, err := New(testConfig(), m, e.chunks)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.LookupKey(e.ctx, ak); !errors.Is(err, gateway.ErrNotServing) || !errors.Is(err, raftmeta.ErrSealed) {
		t.Fatalf("LookupKey: %v, want ErrNotServing wrapping ErrSealed", err)
	}
	url = serveGatewayWith(t, b, nil)
	_, err = s3As(url, ak, sk).PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("pub"), Key: aws.String("b"),
		Body: strings.NewReader("b")})
	var re interface{ HTTPStatusCode() int }
	if s3Code(err) != "ServiceUnavailable" || !errors.As(err, &re) || re.HTTPStatusCode() != 503 {
		t.Fatalf("PUT with an unreadable sealed secret: %v", err)
	}
	if strings.Contains(err.Error(), sk) {
		t.Fatalf("the answer shows the secret: %v", err)
	}
}

// The audit record of an S3 request names the identity's user (the key's
// owner: LookupKey sets Identity.User), for writes and for refusals after
// authentication, and the bootstrap root key (no user) by its contributor
// name.
func TestS3AuditRecordsTheUser(t *testing.T) {
	e := newEnvWith(t, 1, raftmetatest.Options{RootKey: &model.AccessKey{ID: "AKROOT", Secret: "root-secret-0123456789",
		Root: true, Contributor: model.Contributor{Name: "root"}}}, false, nil)
	e.mkBucket("pub")
	for _, u := range []string{"rita", "lee"} {
		if _, err := e.meta.CreateUser(e.ctx, model.User{Name: u, Email: u + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.meta.PutAccessKey(e.ctx, model.AccessKey{ID: "AKRITA", Secret: "rita-secret-0123456789", User: "rita",
		Grants: map[string]model.Permission{"default/pub": model.PermWrite}}); err != nil {
		t.Fatal(err)
	}
	if err := e.meta.PutAccessKey(e.ctx, model.AccessKey{ID: "AKLEGACY", Secret: "legacy-secret-0123456789", User: "lee",
		Grants: map[string]model.Permission{"default/pub": model.PermRead}}); err != nil {
		t.Fatal(err)
	}
	if _, id, err := e.b.LookupKey(e.ctx, "AKRITA"); err != nil || id.User != "rita" {
		t.Fatalf("LookupKey: %+v %v, want user rita", id, err)
	}
	l, err := audit.Open(audit.Config{Dir: filepath.Join(t.TempDir(), "audit"), Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	url := serveGatewayWith(t, e.b, func(c *gateway.Config) { c.Audit = l })
	put := func(ak, sk, key string) error {
		_, err := s3As(url, ak, sk).PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("pub"), Key: aws.String(key),
			Body: strings.NewReader(key)})
		return err
	}
	if err := put("AKRITA", "rita-secret-0123456789", "r"); err != nil {
		t.Fatal(err)
	}
	if err := put("AKROOT", "root-secret-0123456789", "x"); err != nil {
		t.Fatal(err)
	}
	var ae smithy.APIError
	if err := put("AKLEGACY", "legacy-secret-0123456789", "l"); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("read key PUT: %v", err)
	}
	want := map[string]string{"AKRITA": "rita", "AKROOT": "root", "AKLEGACY": "lee"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := l.Query(e.ctx, audit.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) >= len(want) || time.Now().After(deadline) {
			if len(res.Records) != len(want) {
				t.Fatalf("records %+v", res.Records)
			}
			for _, r := range res.Records {
				if u, ok := want[r.KeyID]; !ok || r.User != u || !r.Authenticated {
					t.Errorf("record of %s: user %q authenticated %v, want %q", r.KeyID, r.User, r.Authenticated, u)
				}
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// LookupKey honours gateway.WithFreshKey (the gateway's second lookup when
// a write's signature does not verify against the node's applied key): on
// a follower cut off from the leader after the key was deleted there, a
// stale lookup is still served from the follower's state, but a fresh one
// does not succeed. (Writes made with the stale answer are refused at
// apply: TestS3WriteRacingRevocationIsRefused.)
func TestWriteLookupIsLinearizable(t *testing.T) {
	e := newEnvWith(t, 3, raftmetatest.Options{}, true, nil)
	const ak, sk = "AKREVOKED", "revoked-secret-0123456789"
	if _, err := e.meta.CreateUser(e.ctx, model.User{Name: "ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := e.meta.PutAccessKey(e.ctx, model.AccessKey{ID: ak, Secret: sk, User: "ann"}); err != nil {
		t.Fatal(err)
	}
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, _, err := e.b.LookupKey(e.ctx, ak)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.b.LookupKey(gateway.WithFreshKey(e.ctx), ak); err != nil {
		t.Fatalf("fresh lookup while connected: %v", err)
	}
	leader, err := e.c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var follower string
	for _, id := range e.c.IDs() {
		if e.c.Meta(id) == e.meta {
			follower = id
		}
	}
	e.c.Isolate(follower)
	if err := e.c.Meta(leader).DeleteKey(e.ctx, ak); err != nil {
		t.Fatalf("delete on the leader: %v", err)
	}
	if _, _, err := e.b.LookupKey(e.ctx, ak); err != nil {
		t.Fatalf("stale lookup on the isolated follower: %v (its state still has the key)", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 3*time.Second)
	defer cancel()
	if _, _, err := e.b.LookupKey(gateway.WithFreshKey(ctx), ak); err == nil {
		t.Fatal("a write's lookup on the isolated follower authorised a deleted key")
	}
	e.c.Heal()
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, _, err := e.b.LookupKey(gateway.WithFreshKey(e.ctx), ak)
		if errors.Is(err, gateway.ErrAccessDenied) {
			return nil
		}
		return errors.New("not yet refused")
	}); err != nil {
		t.Fatalf("after the heal the deleted key is not refused: %v", err)
	}
}
