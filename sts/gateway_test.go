package sts_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/gateway/memback"
	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/sts"
)

const (
	iss      = "https://idp.sts.test"
	aud      = "datamon-s3"
	opsRole  = "arn:aws:iam::datamon:role/ops"
	readRole = "arn:aws:iam::datamon:role/ml-reader"
)

type clock struct {
	mu sync.Mutex
	d  time.Duration
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.d) }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.d += d; c.mu.Unlock() }

type env struct {
	url     string
	is      *jwtauthtest.Issuer
	clk     *clock
	backend *memback.Backend
}

// startGateway runs the real gateway on 127.0.0.1 with memback and the STS
// service over a jwtauth verifier of a test issuer.
func startGateway(t *testing.T) *env { t.Helper(); return startGatewayWith(t, nil) }

// startGatewayWith is startGateway with the gateway config adjusted by mod.
func startGatewayWith(t *testing.T, mod func(*gateway.Config)) *env {
	t.Helper()
	is, err := jwtauthtest.NewIssuer(iss, "RS256", "EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := is.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	jc := jwtauth.DefaultConfig()
	jc.Now = clk.now
	jc.Issuers = []jwtauth.IssuerConfig{{Issuer: iss, Audiences: []string{aud}, JWKSFile: jwks, GrantsClaim: "groups",
		Groups: map[string][]string{"ops": {"*=admin"}, "ml": {"ml/*=read"}}}}
	v, err := jwtauth.New(context.Background(), jc)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := sts.New(sts.Config{Now: clk.now, MaxDuration: 5 * time.Minute, Roles: []sts.Role{
		{ARN: opsRole, Grants: []string{"*=admin"}},
		{ARN: readRole, Grants: []string{"*=read"}},
	}}, []byte("test-cluster-secret-0123456789"), v)
	if err != nil {
		t.Fatal(err)
	}
	gcfg := gateway.DefaultConfig()
	gcfg.Clock, gcfg.Tokens = clk.now, svc
	if mod != nil {
		mod(&gcfg)
	}
	be, err := memback.New(memback.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := gateway.New(gcfg, memback.NewKeys(), be)
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
	return &env{url: "http://" + ln.Addr().String(), is: is, clk: clk, backend: be}
}

func (e *env) token(t *testing.T, ttl time.Duration, groups ...string) string {
	t.Helper()
	c := e.is.Claims(aud, "alice", ttl, groups...)
	c["exp"] = e.clk.now().Add(ttl).Unix()
	tok, err := e.is.Sign(1, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) stsClient() *awssts.Client {
	return awssts.New(awssts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url)})
}

func (e *env) s3(creds aws.CredentialsProvider) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), UsePathStyle: true, Credentials: creds,
		RetryMaxAttempts: 1})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestAssumeRoleWithWebIdentitySDK(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	out, err := e.stsClient().AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(opsRole), RoleSessionName: aws.String("sdk-test"),
		WebIdentityToken: aws.String(e.token(t, time.Hour, "ops")), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if c == nil || !strings.HasPrefix(*c.AccessKeyId, "ASIA") || *c.SecretAccessKey == "" || *c.SessionToken == "" {
		t.Fatalf("credentials %+v", c)
	}
	// Capped by MaxDuration (5 min), not the requested 900 s.
	if left := time.Until(*c.Expiration); left > 5*time.Minute+time.Second || left < 4*time.Minute {
		t.Fatalf("expiration in %v, want ~5m", left)
	}
	if *out.SubjectFromWebIdentityToken != "alice" || *out.Audience != aud || *out.Provider != iss ||
		*out.AssumedRoleUser.Arn != "arn:aws:sts::datamon:assumed-role/ops/sdk-test" {
		t.Fatalf("result %+v %+v", out, out.AssumedRoleUser)
	}
	creds := credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	cli := e.s3(creds)
	if _, err := cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sts-bucket")}); err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("datamon "), 1000)
	if _, err := cli.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sts-bucket"), Key: aws.String("a/b.txt"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	got, err := cli.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sts-bucket"), Key: aws.String("a/b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(b, body) {
		t.Fatal("GetObject with temporary credentials returned other bytes")
	}

	// Wrong secret with the right session token, and a tampered session token.
	for name, p := range map[string]aws.CredentialsProvider{
		"wrong secret":     credentials.NewStaticCredentialsProvider(*c.AccessKeyId, "x"+*c.SecretAccessKey, *c.SessionToken),
		"tampered session": credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken+"x"),
		"other key id":     credentials.NewStaticCredentialsProvider("ASIAAAAAAAAAAAAAAAAA", *c.SecretAccessKey, *c.SessionToken),
	} {
		_, err := e.s3(p).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sts-bucket"), Key: aws.String("evil"), Body: strings.NewReader("x")})
		if code := apiCode(err); code != "SignatureDoesNotMatch" && code != "InvalidToken" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Past the expiration the same credentials are refused.
	e.clk.advance(5*time.Minute + time.Second)
	_, err = cli.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sts-bucket"), Key: aws.String("late"), Body: strings.NewReader("x")})
	if apiCode(err) != "ExpiredToken" {
		t.Fatalf("expired credentials: %v", err)
	}
	l, err := e.backend.ListObjects(ctx, gateway.Identity{Root: true}, "sts-bucket", gateway.ListQuery{MaxKeys: 1000})
	if err != nil || len(l.Objects) != 1 || l.Objects[0].Key != "a/b.txt" {
		t.Fatalf("refused writes changed state: %+v %v", l, err)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	good := e.token(t, time.Hour, "ops")
	wrongAud := func() string {
		c := e.is.Claims("someone-else", "alice", time.Hour, "ops")
		tok, _ := e.is.Sign(0, c)
		return tok
	}()
	p := strings.Split(good, ".")
	cases := []struct {
		name, role, token, code string
	}{
		{"unknown role", "arn:aws:iam::datamon:role/nope", good, "AccessDenied"},
		{"role grants nothing of the token", readRole, e.token(t, time.Hour), "AccessDenied"},
		{"expired token", opsRole, e.token(t, -time.Hour, "ops"), "ExpiredTokenException"},
		{"wrong audience", opsRole, wrongAud, "InvalidIdentityToken"},
		{"tampered signature", opsRole, p[0] + "." + p[1] + "." + tamper(p[2]), "InvalidIdentityToken"},
		{"oversized", opsRole, p[0] + "." + strings.Repeat("A", 17000) + "." + p[2], "InvalidIdentityToken"},
		{"not a JWT", opsRole, "abcdefgh", "InvalidIdentityToken"},
	}
	for _, c := range cases {
		_, err := e.stsClient().AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(c.role), RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String(c.token)})
		if apiCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	// Raw requests: status codes and the STS error document.
	for name, c := range map[string]struct {
		form   url.Values
		status int
		code   string
	}{
		"missing RoleArn":   {url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleSessionName": {"s"}, "WebIdentityToken": {good}}, 400, "MissingParameter"},
		"GetCallerIdentity": {url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, 400, "InvalidAction"},
		"expired":           {url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {opsRole}, "RoleSessionName": {"s1"}, "WebIdentityToken": {e.token(t, -time.Hour, "ops")}}, 403, "ExpiredTokenException"},
	} {
		resp, err := http.Post(e.url+"/", "application/x-www-form-urlencoded", strings.NewReader(c.form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(b), "<ErrorResponse") || !strings.Contains(string(b), "<Code>"+c.code+"</Code>") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, b)
		}
	}
	if bs, _ := e.backend.ListBuckets(ctx, gateway.Identity{Root: true}); len(bs) != 0 {
		t.Fatalf("refusals created buckets: %v", bs)
	}
}

func TestGatewayBearer(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	do := func(method, path, token string) (int, string) {
		req, _ := http.NewRequest(method, e.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := do("PUT", "/bearer-bucket", e.token(t, time.Hour, "ops")); st != 200 {
		t.Fatalf("create bucket with a bearer token: %d %s", st, b)
	}
	other, _ := jwtauthtest.NewIssuer("https://evil.test", "EdDSA")
	forged, _ := other.Sign(0, other.Claims(aud, "mallory", time.Hour, "ops"))
	good := e.token(t, time.Hour, "ops")
	p := strings.Split(good, ".")
	for name, c := range map[string]struct{ token, code string }{
		"expired":        {e.token(t, -time.Hour, "ops"), "ExpiredToken"},
		"unknown issuer": {forged, "InvalidToken"},
		"tampered":       {p[0] + "." + p[1] + "." + tamper(p[2]), "InvalidToken"},
		"oversized":      {strings.Repeat("a", 20000), "InvalidToken"},
		"alg none":       {"eyJhbGciOiJub25lIn0." + p[1] + ".", "InvalidToken"},
	} {
		st, b := do("PUT", "/evil-"+strings.ReplaceAll(name, " ", "-"), c.token)
		if st != 403 || !strings.Contains(b, "<Code>"+c.code+"</Code>") {
			t.Errorf("%s: %d %s", name, st, b)
		}
	}
	// A read-only token (no grant on the bucket: memback scopes differ) is denied.
	if st, b := do("PUT", "/ml-bucket", e.token(t, time.Hour, "ml")); st != 403 || !strings.Contains(b, "AccessDenied") {
		t.Errorf("read-only token created a bucket: %d %s", st, b)
	}
	bs, _ := e.backend.ListBuckets(ctx, gateway.Identity{Root: true})
	if len(bs) != 1 || bs[0].Name != "bearer-bucket" {
		t.Fatalf("buckets %v", bs)
	}
}

// tamper changes one character of a base64url signature (never the last,
// whose low bits may be padding).
func tamper(sig string) string {
	b := []byte(sig)
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	return string(b)
}
