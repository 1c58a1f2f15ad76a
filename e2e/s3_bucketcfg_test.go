package e2e

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
)

// s3BucketConfig: bucket tagging with aws cli v2 and boto3 on different
// nodes (the tags are Raft state: a write on one node is read on another),
// shown by `datamon repo get`, removed by delete-bucket-tagging.
func s3BucketConfig(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	other := newS3ep(t, c, (node+1)%len(c.Nodes))
	e.aws(t, "s3", "mb", "s3://btags")
	if _, err := e.awsErr(t, "s3api", "get-bucket-tagging", "--bucket", "btags"); err == nil {
		t.Fatal("an untagged bucket answered tags")
	}
	e.aws(t, "s3api", "put-bucket-tagging", "--bucket", "btags", "--tagging",
		`{"TagSet":[{"Key":"team","Value":"ml"},{"Key":"cost center","Value":"42"}]}`)
	want := map[string]string{"team": "ml", "cost center": "42"}
	tagsVia := func(ep *s3ep) map[string]string {
		out, err := ep.awsErr(t, "s3api", "get-bucket-tagging", "--bucket", "btags")
		if err != nil {
			return nil
		}
		var r struct{ TagSet []struct{ Key, Value string } }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("get-bucket-tagging: %v: %s", err, out)
		}
		m := map[string]string{}
		for _, tg := range r.TagSet {
			m[tg.Key] = tg.Value
		}
		return m
	}
	if got := tagsVia(e); !maps.Equal(got, want) {
		t.Fatalf("tags on node %d: %v, want %v", node, got, want)
	}
	deadline := time.Now().Add(30 * time.Second)
	for got := tagsVia(other); !maps.Equal(got, want); got = tagsVia(other) {
		if time.Now().After(deadline) {
			t.Fatalf("tags on the other node: %v, want %v", got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out := mustCLI(t, c, "repo", "get", "--repo", "btags", "--output", "json"); !strings.Contains(out, `"cost center":"42"`) &&
		!strings.Contains(out, `"cost center": "42"`) {
		t.Errorf("repo get does not show the bucket tags: %s", out)
	}
	if out, err := e.awsErr(t, "s3api", "put-bucket-tagging", "--bucket", "btags", "--tagging",
		`{"TagSet":[{"Key":"aws:reserved","Value":"x"}]}`); err == nil || !strings.Contains(out, "InvalidTag") {
		t.Errorf("aws: prefixed tag: %v %s", err, out)
	}
	if got := tagsVia(e); !maps.Equal(got, want) {
		t.Errorf("a refused put changed the tags: %v", got)
	}

	// boto3 on the other node replaces and reads them.
	py := s3tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Fatalf("python3-boto3 is not installed (scripts/deps.sh installs it): %v", err)
	}
	script := filepath.Join(other.home, "btags.py")
	if err := os.WriteFile(script, []byte(s3BotoBucketTags), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustTool(t, append([]string{"EP=" + other.url, "AK=" + other.ak, "SK=" + other.sk, "HOME=" + other.home}, other.caEnv()...), py, script)
	if !strings.Contains(out, "BOTO-BTAGS-OK") {
		t.Fatalf("boto3: %s", out)
	}
	if got := tagsVia(other); !maps.Equal(got, map[string]string{"owner": "boto"}) {
		t.Errorf("after boto3: %v", got)
	}
	e.aws(t, "s3api", "delete-bucket-tagging", "--bucket", "btags")
	if _, err := e.awsErr(t, "s3api", "get-bucket-tagging", "--bucket", "btags"); err == nil {
		t.Error("tags remain after delete-bucket-tagging")
	}
}

const s3BotoBucketTags = `
import os, boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["EP"], aws_access_key_id=os.environ["AK"],
                  aws_secret_access_key=os.environ["SK"], region_name="us-east-1")
s3.put_bucket_tagging(Bucket="btags", Tagging={"TagSet": [{"Key": "owner", "Value": "boto"}]})
got = s3.get_bucket_tagging(Bucket="btags")["TagSet"]
assert got == [{"Key": "owner", "Value": "boto"}], got
try:
    s3.put_bucket_tagging(Bucket="btags", Tagging={"TagSet": [{"Key": "k%d" % i, "Value": "v"} for i in range(51)]})
    raise SystemExit("51 tags accepted")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidTag", e.response
assert s3.get_bucket_tagging(Bucket="btags")["TagSet"] == got
print("BOTO-BTAGS-OK")
`
