package sts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const botoSTS = `
import boto3, os, sys, json
from botocore.config import Config
from botocore.exceptions import ClientError
ep = os.environ["EP"]
if sys.argv[1] == "assume":
    sts = boto3.client("sts", endpoint_url=ep, region_name="us-east-1",
        aws_access_key_id="unused", aws_secret_access_key="unused")
    r = sts.assume_role_with_web_identity(RoleArn=os.environ["ROLE"], RoleSessionName="boto3",
        WebIdentityToken=os.environ["JWT"], DurationSeconds=900)
    c = r["Credentials"]
    s3 = boto3.client("s3", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"],
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
    s3.create_bucket(Bucket="boto-sts")
    s3.put_object(Bucket="boto-sts", Key="k", Body=b"hello sts")
    assert s3.get_object(Bucket="boto-sts", Key="k")["Body"].read() == b"hello sts"
    print(json.dumps({"ak": c["AccessKeyId"], "sk": c["SecretAccessKey"], "st": c["SessionToken"]}))
else:
    c = json.loads(sys.argv[2])
    s3 = boto3.client("s3", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=c["ak"],
        aws_secret_access_key=c["sk"], aws_session_token=c["st"],
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1}))
    try:
        s3.put_object(Bucket="boto-sts", Key="late", Body=b"x")
        raise SystemExit("expired credentials accepted")
    except ClientError as e:
        print("CODE=" + e.response["Error"]["Code"])
`

// TestBoto3STS: boto3, unmodified, exchanges a JWT for credentials, uses
// them, and is refused once they expire.
func TestBoto3STS(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Skipf("python3-boto3 not installed (scripts/deps.sh installs it): %v", err)
	}
	e := startGateway(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "sts.py")
	os.WriteFile(script, []byte(botoSTS), 0o644)
	env := []string{"EP=" + e.url, "ROLE=" + opsRole, "JWT=" + e.token(t, time.Hour, "ops"), "HOME=" + dir,
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none")}
	run := func(args ...string) string {
		cmd := exec.Command(py, append([]string{script}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("boto3 %v: %v\n%s", args[0], err, out)
		}
		return strings.TrimSpace(string(out))
	}
	creds := run("assume")
	e.clk.advance(6 * time.Minute) // MaxDuration is 5 min
	if out := run("expired", creds); !strings.Contains(out, "CODE=ExpiredToken") {
		t.Fatalf("boto3 after expiry: %s", out)
	}
}
