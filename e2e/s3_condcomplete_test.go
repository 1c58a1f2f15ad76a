package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/datamon-io/datamon/localcluster"
)

// s3CondComplete: conditional CompleteMultipartUpload on the cluster.
// Two uploads of the same key completed at once with If-None-Match * on
// two different nodes: exactly one wins, the other gets 412 and the key
// holds the winner's bytes. Then boto3 (Debian's botocore has no
// IfNoneMatch parameter for it: the header is added by an event hook, as
// applications do) refuses to overwrite and replaces with If-Match.
func s3CondComplete(t *testing.T, c *localcluster.Cluster, node int) {
	ctx := context.Background()
	eps := []*s3ep{newS3ep(t, c, node), newS3ep(t, c, (node+1)%len(c.Nodes))}
	eps[0].aws(t, "s3", "mb", "s3://condmp")
	type upload struct {
		id    *string
		parts []types.CompletedPart
		body  []byte
	}
	start := func(cl *s3.Client, body []byte) upload {
		t.Helper()
		mp, err := cl.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("condmp"), Key: aws.String("race")})
		if err != nil {
			t.Fatal(err)
		}
		p, err := cl.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("condmp"), Key: aws.String("race"), UploadId: mp.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		return upload{mp.UploadId, []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p.ETag}}, body}
	}
	var ups []upload
	for i, e := range eps {
		ups = append(ups, start(e.sdk(), []byte(strings.Repeat(string(rune('a'+i)), 1000))))
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, e := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.sdk().CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("condmp"),
				Key: aws.String("race"), UploadId: ups[i].id, IfNoneMatch: aws.String("*"),
				MultipartUpload: &types.CompletedMultipartUpload{Parts: ups[i].parts}})
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		var ae smithy.APIError
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Fatalf("both create-only completions succeeded")
		case !errors.As(err, &ae) || ae.ErrorCode() != "PreconditionFailed":
			t.Fatalf("completion %d: %v, want PreconditionFailed", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no completion won: %v", errs)
	}
	g, err := eps[1-winner].sdk().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("condmp"), Key: aws.String("race")})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_, _ = got.ReadFrom(g.Body)
	g.Body.Close()
	if !bytes.Equal(got.Bytes(), ups[winner].body) {
		t.Fatalf("the key holds %.20q, not the winner's bytes", got.Bytes())
	}
	loser := eps[1-winner].sdk()
	if _, err := loser.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("condmp"), Key: aws.String("race"), UploadId: ups[1-winner].id}); err != nil {
		t.Errorf("the refused upload was not kept: %v", err)
	}

	py := s3tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Fatalf("python3-boto3 is not installed (scripts/deps.sh installs it): %v", err)
	}
	e := eps[1]
	script := filepath.Join(e.home, "condmp.py")
	if err := os.WriteFile(script, []byte(s3BotoCondComplete), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustTool(t, append([]string{"EP=" + e.url, "AK=" + e.ak, "SK=" + e.sk, "HOME=" + e.home}, e.caEnv()...), py, script)
	if !strings.Contains(out, "BOTO-CONDMP-OK") {
		t.Fatalf("boto3: %s", out)
	}
}

const s3BotoCondComplete = `
import os, boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["EP"], aws_access_key_id=os.environ["AK"],
                  aws_secret_access_key=os.environ["SK"], region_name="us-east-1")
cond = {}
def add_condition(request, **kw):
    for k, v in cond.items():
        request.headers[k] = v
s3.meta.events.register("before-sign.s3.CompleteMultipartUpload", add_condition)

def upload(body):
    u = s3.create_multipart_upload(Bucket="condmp", Key="boto")["UploadId"]
    e = s3.upload_part(Bucket="condmp", Key="boto", UploadId=u, PartNumber=1, Body=body)["ETag"]
    return u, {"Parts": [{"PartNumber": 1, "ETag": e}]}

u, parts = upload(b"first")
cond = {"If-None-Match": "*"}
etag = s3.complete_multipart_upload(Bucket="condmp", Key="boto", UploadId=u, MultipartUpload=parts)["ETag"]
u2, parts2 = upload(b"second")
try:
    s3.complete_multipart_upload(Bucket="condmp", Key="boto", UploadId=u2, MultipartUpload=parts2)
    raise SystemExit("If-None-Match * overwrote the key")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "PreconditionFailed", e.response
assert s3.get_object(Bucket="condmp", Key="boto")["Body"].read() == b"first"
cond = {"If-Match": etag}
s3.complete_multipart_upload(Bucket="condmp", Key="boto", UploadId=u2, MultipartUpload=parts2)
assert s3.get_object(Bucket="condmp", Key="boto")["Body"].read() == b"second"
print("BOTO-CONDMP-OK")
`
