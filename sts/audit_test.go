package sts_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/gateway"
)

// S3 writes made with a JWT — as a bearer token, or through STS temporary
// credentials — are audited as authenticated, with the token's user (not
// only a key ID); a bearer token without the grant is audited as an
// authenticated refusal of that user.
func TestTokenWritesAuditedWithTheirUser(t *testing.T) {
	l, err := audit.Open(audit.Config{Dir: filepath.Join(t.TempDir(), "audit"), Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	e := startGatewayWith(t, func(c *gateway.Config) { c.Audit = l })
	ctx := context.Background()

	req, _ := http.NewRequest("PUT", e.url+"/bearer-audit", nil)
	req.Header.Set("Authorization", "Bearer "+e.token(t, time.Hour, "ops"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("bearer create bucket: %d", resp.StatusCode)
	}
	out, err := e.stsClient().AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(opsRole), RoleSessionName: aws.String("audit"),
		WebIdentityToken: aws.String(e.token(t, time.Hour, "ops")), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	cli := e.s3(credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken))
	if _, err := cli.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bearer-audit"), Key: aws.String("k"),
		Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	// Authenticated writes are on disk before their answer.
	res, err := l.Query(ctx, audit.Query{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 2 {
		t.Fatalf("records of alice: %+v", res.Records)
	}
	bearer, session := res.Records[0], res.Records[1]
	if !bearer.Authenticated || bearer.Refused || bearer.Action != "s3:CreateBucket" || bearer.KeyID != "jwt:alice" || bearer.Status != 200 {
		t.Errorf("bearer write: %+v", bearer)
	}
	if !session.Authenticated || session.Action != "s3:PutObject" || session.KeyID != *c.AccessKeyId || session.Target.Key != "k" {
		t.Errorf("STS session write: %+v", session)
	}

	req, _ = http.NewRequest("PUT", e.url+"/ml-audit", nil)
	req.Header.Set("Authorization", "Bearer "+e.token(t, time.Hour, "ml"))
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("read-only bearer create bucket: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err = l.Query(ctx, audit.Query{User: "alice", Refused: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(res.Records) != 1 || !res.Records[0].Authenticated || res.Records[0].Code != "AccessDenied" {
		t.Fatalf("refused bearer write: %+v", res.Records)
	}
}
