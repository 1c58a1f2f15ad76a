package gateway_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLI drives aws cli v2 (Debian awscli) against the gateway.
func TestAWSCLI(t *testing.T) {
	aws := tool(t, "/usr/bin/aws", "aws")
	e := startGateway(t)
	cfgDir := t.TempDir()
	cfg := filepath.Join(cfgDir, "config")
	os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\ns3 =\n  multipart_threshold = 8MB\n  multipart_chunksize = 8MB\n"), 0o644)
	env := []string{"AWS_ACCESS_KEY_ID=" + testAK, "AWS_SECRET_ACCESS_KEY=" + testSK, "AWS_CONFIG_FILE=" + cfg,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(cfgDir, "none"), "AWS_PAGER=", "HOME=" + cfgDir}
	a := func(args ...string) string {
		return run(t, env, aws, append([]string{"--endpoint-url", e.url}, args...)...)
	}

	a("s3", "mb", "s3://cli-bucket")
	if out := a("s3", "ls"); !strings.Contains(out, "cli-bucket") {
		t.Fatalf("s3 ls: %s", out)
	}
	big := writeRand(t, 40<<20)
	a("s3", "cp", big, "s3://cli-bucket/big/blob.bin")
	back := filepath.Join(t.TempDir(), "back.bin")
	a("s3", "cp", "s3://cli-bucket/big/blob.bin", back)
	sameFile(t, big, back)

	var head struct {
		ContentLength int64
		ETag          string
	}
	if err := json.Unmarshal([]byte(a("s3api", "head-object", "--bucket", "cli-bucket", "--key", "big/blob.bin")), &head); err != nil {
		t.Fatal(err)
	}
	if head.ContentLength != 40<<20 || !strings.HasSuffix(head.ETag, `-5"`) {
		t.Fatalf("head-object after multipart: %+v", head)
	}

	tree := makeTree(t, 20)
	a("s3", "sync", tree, "s3://cli-bucket/tree/")
	down := t.TempDir()
	a("s3", "sync", "s3://cli-bucket/tree/", down)
	sameTree(t, tree, down)
	if out := a("s3", "sync", tree, "s3://cli-bucket/tree/"); strings.Contains(out, "upload:") {
		t.Errorf("second sync uploaded again: %s", out)
	}

	var page struct {
		Contents []struct{ Key string }
	}
	if err := json.Unmarshal([]byte(a("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--prefix", "tree/", "--page-size", "3")), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Contents) != 20 {
		t.Fatalf("paginated list: %d keys", len(page.Contents))
	}
	var limited struct {
		Contents  []struct{ Key string }
		NextToken string
	}
	json.Unmarshal([]byte(a("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--prefix", "tree/", "--page-size", "3", "--max-items", "7")), &limited)
	if len(limited.Contents) != 7 || limited.NextToken == "" {
		t.Fatalf("max-items: %d keys, token %q", len(limited.Contents), limited.NextToken)
	}

	url := strings.TrimSpace(a("s3", "presign", "s3://cli-bucket/tree/d0/sub 0/file-00.txt", "--expires-in", "300"))
	got := httpGet(t, url)
	want, _ := os.ReadFile(filepath.Join(tree, "d0/sub 0/file-00.txt"))
	if string(got) != string(want) {
		t.Fatalf("presigned GET: %d bytes", len(got))
	}

	a("s3", "rm", "--recursive", "s3://cli-bucket/")
	if out := a("s3", "ls", "--recursive", "s3://cli-bucket/"); strings.TrimSpace(out) != "" {
		t.Fatalf("after rm: %s", out)
	}
	a("s3", "rb", "s3://cli-bucket")
}
