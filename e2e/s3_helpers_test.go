package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datamon-io/datamon/localcluster"
)

// s3ep is one node's S3 endpoint with the cluster's root keys.
type s3ep struct {
	url, addr string // https://127.0.0.1:port (http:// without TLS), 127.0.0.1:port
	ak, sk    string
	home      string // a scratch HOME / config dir for the clients
	ca        string // the cluster CA file every client is given ("" without TLS)
}

func newS3ep(t *testing.T, c *localcluster.Cluster, node int) *s3ep {
	t.Helper()
	u := c.Nodes[node].S3URL()
	addr := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return &s3ep{url: u, addr: addr, ak: c.Secrets.AccessKey, sk: c.Secrets.SecretKey, home: t.TempDir(), ca: c.CAFile()}
}

// curlCA is curl's --cacert for the cluster CA.
func (e *s3ep) curlCA() []string {
	if e.ca == "" {
		return nil
	}
	return []string{"--cacert", e.ca}
}

// tls reports whether the endpoint is https.
func (e *s3ep) tls() bool { return strings.HasPrefix(e.url, "https://") }

// caEnv is AWS_CA_BUNDLE for aws cli and boto3 (nothing without TLS).
func (e *s3ep) caEnv() []string {
	if e.ca == "" {
		return nil
	}
	return []string{"AWS_CA_BUNDLE=" + e.ca}
}

// s3tool finds an external client (skips the test when it is missing).
func s3tool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if filepath.IsAbs(n) {
			if _, err := os.Stat(n); err == nil {
				return n
			}
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skipf("%s not installed (scripts/deps.sh installs it)", names[len(names)-1])
	return ""
}

// runTool runs a client; AWS_CA_BUNDLE / AWS_PROFILE from the machine are
// dropped (they break rclone and are irrelevant on loopback); envv sets the
// cluster's CA where the tool reads it from the environment.
func runTool(envv []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") && !strings.HasPrefix(kv, "AWS_PROFILE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, envv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func mustTool(t *testing.T, envv []string, name string, args ...string) string {
	t.Helper()
	out, err := runTool(envv, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}

// awsEnv is the environment for aws cli v2 with 8 MiB multipart parts.
func (e *s3ep) awsEnv(t *testing.T) []string {
	t.Helper()
	cfg := filepath.Join(e.home, "aws-config")
	if _, err := os.Stat(cfg); err != nil {
		os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\n"), 0o644)
		env := []string{"AWS_CONFIG_FILE=" + cfg, "HOME=" + e.home}
		aws := s3tool(t, "/usr/bin/aws")
		mustTool(t, env, aws, "configure", "set", "default.s3.multipart_threshold", "8MB")
		mustTool(t, env, aws, "configure", "set", "default.s3.multipart_chunksize", "8MB")
	}
	return append([]string{"AWS_ACCESS_KEY_ID=" + e.ak, "AWS_SECRET_ACCESS_KEY=" + e.sk, "AWS_CONFIG_FILE=" + cfg,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(e.home, "none"), "AWS_PAGER=", "HOME=" + e.home}, e.caEnv()...)
}

// aws runs aws cli v2 against the endpoint and fails on error.
func (e *s3ep) aws(t *testing.T, args ...string) string {
	t.Helper()
	return mustTool(t, e.awsEnv(t), s3tool(t, "/usr/bin/aws"), append([]string{"--endpoint-url", e.url}, args...)...)
}

// awsErr runs aws cli v2 and returns its output and error.
func (e *s3ep) awsErr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runTool(e.awsEnv(t), s3tool(t, "/usr/bin/aws"), append([]string{"--endpoint-url", e.url}, args...)...)
}

// sdk is an aws-sdk-go-v2 client for checks (head, list).
func (e *s3ep) sdk() *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), UsePathStyle: true, HTTPClient: httpClient(),
		Credentials: credentials.NewStaticCredentialsProvider(e.ak, e.sk, "")})
}

func s3sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// signed builds a SigV4-signed request (path-style).
func (e *s3ep) signed(t *testing.T, method, path string, body []byte, hdr map[string]string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	ph := s3sha(body)
	if v := req.Header.Get("X-Amz-Content-Sha256"); v != "" {
		ph = v
	}
	req.Header.Set("X-Amz-Content-Sha256", ph)
	err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: e.ak, SecretAccessKey: e.sk}, req, ph, "s3", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// presign returns a presigned GET URL signed at `at` valid for `exp`.
func (e *s3ep) presign(t *testing.T, path string, at time.Time, exp time.Duration) string {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s%s?X-Amz-Expires=%d", e.url, path, int(exp.Seconds())), nil)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: e.ak, SecretAccessKey: e.sk},
		req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// s3do sends req and returns status, S3 error code and body.
func s3do(t *testing.T, req *http.Request) (int, string, []byte) {
	t.Helper()
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, s3code(b), b
}

func s3code(b []byte) string {
	if i := bytes.Index(b, []byte("<Code>")); i >= 0 {
		if j := bytes.Index(b[i:], []byte("</Code>")); j > 0 {
			return string(b[i+6 : i+j])
		}
	}
	return ""
}

func s3expect(t *testing.T, what string, req *http.Request, status int, code string) []byte {
	t.Helper()
	st, c, b := s3do(t, req)
	if st != status || c != code {
		t.Errorf("%s: got %d %q, want %d %q: %.400s", what, st, c, status, code, b)
	}
	return b
}

// s3absent checks that key is neither listed nor HEAD-able in bucket.
func (e *s3ep) s3absent(t *testing.T, bucket, key string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.sdk().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err == nil {
		t.Errorf("s3://%s/%s exists after a failed request", bucket, key)
	}
	for _, k := range e.listKeys(t, bucket, "") {
		if k == key {
			t.Errorf("s3://%s/%s listed after a failed request", bucket, key)
		}
	}
}

// listKeys lists every key of bucket under prefix (SDK paginator).
func (e *s3ep) listKeys(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(e.sdk(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list s3://%s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// fileDigest maps each regular file under dir to "size sha256" (S3 keeps
// neither symlinks, empty directories nor modes).
func fileDigest(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() && (rel == ".datamon" || strings.HasPrefix(rel, ".datamon/")) {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%d %s", len(b), s3sha(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// md5ETag is the single-part ETag of b; mpETag the multipart one for parts of size part.
func md5ETag(b []byte) string { s := md5.Sum(b); return `"` + hex.EncodeToString(s[:]) + `"` }

func mpETag(b []byte, part int) string {
	var all []byte
	n := 0
	for off := 0; off < len(b); off += part {
		end := min(off+part, len(b))
		s := md5.Sum(b[off:end])
		all = append(all, s[:]...)
		n++
	}
	s := md5.Sum(all)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(s[:]), n)
}

// seeded returns n pseudo-random bytes written to a fresh file.
func seededFile(t *testing.T, n int, seed uint64) (string, []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("blob-%d.bin", seed))
	writeSeeded(t, p, n, seed, 0o644)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}
