package e2e

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
)

// s3Behaviour: on a real node (Raft-backed s3backend), what asks for a
// behaviour is honoured or refused, client mistakes are client errors, and
// implemented operations answer as S3 does — raw requests, aws cli and
// boto3 (SigV2 and SigV4).
func s3Behaviour(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	now := time.Now()
	const B = "behaviour"
	s3expect(t, "create", e.signed(t, "PUT", "/"+B, nil, nil, now), 200, "")
	s3expect(t, "seed", e.signed(t, "PUT", "/"+B+"/seed", []byte("seed body"), nil, now), 200, "")

	// Never 200 for what was not applied: a default-directive copy with
	// SSE, lock or redirect headers; SSE-C/KMS half-headers; SSE on GET.
	for name, h := range map[string]map[string]string{
		"sse-s3":   {"X-Amz-Server-Side-Encryption": "AES256"},
		"sse-kms":  {"X-Amz-Server-Side-Encryption": "aws:kms"},
		"lock":     {"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": "2030-01-01T00:00:00Z"},
		"redirect": {"X-Amz-Website-Redirect-Location": "/x"},
		"acl":      {"X-Amz-Acl": "public-read"},
		"grant":    {"X-Amz-Grant-Read": `id="x"`},
	} {
		h["X-Amz-Copy-Source"] = "/" + B + "/seed"
		if st, code, b := s3do(t, e.signed(t, "PUT", "/"+B+"/copy-"+name, nil, h, now)); st != 400 && st != 501 {
			t.Errorf("copy with %s: %d %s %.300s", name, st, code, b)
		}
		e.s3absent(t, B, "copy-"+name)
	}
	s3expect(t, "sse-c key without algorithm", e.signed(t, "PUT", "/"+B+"/ssec", []byte("x"),
		map[string]string{"X-Amz-Server-Side-Encryption-Customer-Key": "AAAA"}, now), 400, "InvalidArgument")
	s3expect(t, "kms key without sse", e.signed(t, "PUT", "/"+B+"/kms", []byte("x"),
		map[string]string{"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "k"}, now), 400, "InvalidArgument")
	s3expect(t, "GET with sse", e.signed(t, "GET", "/"+B+"/seed", nil, map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}, now), 400, "InvalidArgument")
	e.s3absent(t, B, "ssec")
	e.s3absent(t, B, "kms")

	// Client mistakes: 400, not 500 / 501.
	s3expect(t, "prefix NUL", e.signed(t, "GET", "/"+B+"?list-type=2&prefix=%00", nil, nil, now), 400, "InvalidArgument")
	if st, _, b := s3do(t, e.signed(t, "GET", "/"+B+"/seed", nil, map[string]string{"Range": "bytes=0-0,1-1"}, now)); st != 200 || string(b) != "seed body" {
		t.Errorf("multi-range: %d %q", st, b)
	}

	// A declared size past the object limit is refused before the body.
	req := e.signed(t, "PUT", "/"+B+"/huge", nil, map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}, now)
	conn, err := e.dialRaw()
	if err != nil {
		t.Fatal(err)
	}
	var hdr bytes.Buffer
	fmt.Fprintf(&hdr, "PUT /%s/huge HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n", B, req.Host, int64(6)<<40)
	for k, v := range req.Header {
		fmt.Fprintf(&hdr, "%s: %s\r\n", k, v[0])
	}
	hdr.WriteString("\r\n")
	conn.Write(hdr.Bytes())
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	conn.Close()
	if err != nil || resp.StatusCode != 400 {
		t.Errorf("6 TiB upload with Expect: %v %v", resp, err)
	}

	// Conditional writes, repeated completion.
	s3expect(t, "If-Match * on a missing key", e.signed(t, "PUT", "/"+B+"/none", []byte("x"), map[string]string{"If-Match": "*"}, now), 404, "NoSuchKey")
	s3expect(t, "If-Match * on the seed", e.signed(t, "PUT", "/"+B+"/seed", []byte("seed body"), map[string]string{"If-Match": "*"}, now), 200, "")
	sum := md5.Sum([]byte("seed body"))
	s3expect(t, "If-None-Match current ETag", e.signed(t, "PUT", "/"+B+"/seed", []byte("new"), map[string]string{"If-None-Match": fmt.Sprintf(`"%x"`, sum)}, now), 412, "PreconditionFailed")
	b := s3expect(t, "mpu", e.signed(t, "POST", "/"+B+"/mp?uploads", nil, nil, now), 200, "")
	uid := string(regexp.MustCompile(`<UploadId>([^<]+)<`).FindSubmatch(b)[1])
	s3expect(t, "part", e.signed(t, "PUT", "/"+B+"/mp?partNumber=1&uploadId="+uid, []byte("part"), nil, now), 200, "")
	ps := md5.Sum([]byte("part"))
	cb := []byte(fmt.Sprintf(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"%x"</ETag></Part></CompleteMultipartUpload>`, ps))
	s3expect(t, "complete", e.signed(t, "POST", "/"+B+"/mp?uploadId="+uid, cb, nil, now), 200, "")
	s3expect(t, "complete again", e.signed(t, "POST", "/"+B+"/mp?uploadId="+uid, cb, nil, now), 200, "")

	// aws cli: private ACL honoured, public-read and SSE refused, the ACL
	// read back is the caller's.
	src, _ := seededFile(t, 1<<20, 77)
	e.aws(t, "s3api", "put-object", "--bucket", B, "--key", "cli-private", "--body", src, "--acl", "private")
	if out, err := e.awsErr(t, "s3api", "put-object", "--bucket", B, "--key", "cli-public", "--body", src, "--acl", "public-read"); err == nil || !strings.Contains(out, "NotImplemented") {
		t.Errorf("public-read: %v %s", err, out)
	}
	if out, err := e.awsErr(t, "s3", "cp", src, "s3://"+B+"/cli-sse", "--sse", "AES256"); err == nil || !strings.Contains(out, "NotImplemented") {
		t.Errorf("--sse AES256: %v %s", err, out)
	}
	if out := e.aws(t, "s3api", "get-bucket-acl", "--bucket", B); !strings.Contains(out, "FULL_CONTROL") {
		t.Errorf("get-bucket-acl: %s", out)
	}
	e.s3absent(t, B, "cli-public")
	e.s3absent(t, B, "cli-sse")

	// Tagging with aws cli: set on upload, replaced, read back after a
	// commit (tags are stored with the object).
	e.aws(t, "s3api", "put-object", "--bucket", B, "--key", "cli-tagged", "--body", src, "--tagging", "team=ml&stage=raw")
	e.aws(t, "s3api", "put-object-tagging", "--bucket", B, "--key", "cli-tagged", "--tagging", "TagSet=[{Key=stage,Value=clean}]")
	if out, err := e.awsErr(t, "s3api", "put-object-tagging", "--bucket", B, "--key", "cli-tagged", "--tagging", "TagSet=[{Key=aws:x,Value=1}]"); err == nil || !strings.Contains(out, "InvalidTag") {
		t.Errorf("aws: tag: %v %s", err, out)
	}
	mustCLI(t, c, "bundle", "commit", "--repo", B, "--message", "tags")
	if out := e.aws(t, "s3api", "get-object-tagging", "--bucket", B, "--key", "cli-tagged"); !strings.Contains(out, `"clean"`) || strings.Contains(out, "team") {
		t.Errorf("get-object-tagging after commit: %s", out)
	}

	// boto3, SigV2 and SigV4.
	py := s3tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Skipf("python3-boto3 not installed: %v", err)
	}
	script := filepath.Join(e.home, "behaviour.py")
	os.WriteFile(script, []byte(s3BehaviourScript), 0o644)
	out := mustTool(t, append([]string{"EP=" + e.url, "AK=" + e.ak, "SK=" + e.sk, "HOME=" + e.home, "B=" + B}, e.caEnv()...), py, script)
	if !strings.Contains(out, "BEHAVIOUR-OK") {
		t.Fatalf("boto3: %s", out)
	}
}

const s3BehaviourScript = `
import boto3, botocore, email.header, os, urllib.request, ssl
from botocore.config import Config
B = os.environ["B"]
def client(sig):
    return boto3.client("s3", endpoint_url=os.environ["EP"], region_name="us-east-1",
        aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"],
        config=Config(s3={"addressing_style": "path"}, signature_version=sig))
def code(f):
    try:
        f()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return "OK"
for sig in ("s3", "s3v4"):
    s3 = client(sig)
    k = "boto-" + sig
    # botocore sends only ASCII headers: non-ASCII metadata goes RFC 2047 encoded
    enc = email.header.Header("Gr\u00fc\u00dfe", "utf-8").encode()
    s3.put_object(Bucket=B, Key=k, Body=b"hello " + sig.encode(), Metadata={"name": enc})
    h = s3.head_object(Bucket=B, Key=k)
    got = h["Metadata"]["name"]
    dec = str(email.header.make_header(email.header.decode_header(got)))
    assert dec == "Gr\u00fc\u00dfe", (sig, got, dec)
    assert s3.get_object(Bucket=B, Key=k)["Body"].read() == b"hello " + sig.encode()
    url = s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": k}, ExpiresIn=60)
    ctx = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE")) if url.startswith("https") else None
    assert urllib.request.urlopen(url, context=ctx).read() == b"hello " + sig.encode(), sig
    c = code(lambda: s3.copy_object(Bucket=B, Key=k + "-sse", CopySource={"Bucket": B, "Key": k}, ServerSideEncryption="AES256"))
    assert c == "NotImplemented", (sig, c)
    c = code(lambda: s3.head_object(Bucket=B, Key=k + "-sse"))
    assert c == "404", (sig, c)
    c = code(lambda: s3.put_object(Bucket=B, Key=k + "-acl", Body=b"x", ACL="public-read"))
    assert c == "NotImplemented", (sig, c)
# botocore 1.29's SigV2 signs "?uploads?uploads" / "?tagging?tagging" (a client bug S3 refuses too)
s3 = client("s3v4")
s3.put_object_tagging(Bucket=B, Key="boto-s3v4", Tagging={"TagSet": [{"Key": "sig", "Value": "v4"}]})
assert s3.get_object_tagging(Bucket=B, Key="boto-s3v4")["TagSet"] == [{"Key": "sig", "Value": "v4"}]
assert client("s3").get_object(Bucket=B, Key="boto-s3v4")["TagCount"] == 1
mp = s3.create_multipart_upload(Bucket=B, Key="boto-mp", ChecksumAlgorithm="CRC32")
assert mp.get("ChecksumAlgorithm") == "CRC32", mp
s3.abort_multipart_upload(Bucket=B, Key="boto-mp", UploadId=mp["UploadId"])
print("BEHAVIOUR-OK")
`
