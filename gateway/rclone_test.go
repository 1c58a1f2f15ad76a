package gateway_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRclone drives rclone (--s3-provider Other) against the gateway.
func TestRclone(t *testing.T) {
	rclone := tool(t, "rclone")
	e := startGateway(t)
	dir := t.TempDir()
	env := []string{"HOME=" + dir, "RCLONE_CONFIG=" + filepath.Join(dir, "rclone.conf")}
	common := []string{"--s3-provider", "Other", "--s3-endpoint", e.url, "--s3-access-key-id", testAK,
		"--s3-secret-access-key", testSK, "--s3-region", "us-east-1", "--s3-force-path-style=true",
		"--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", "-q"}
	r := func(args ...string) string { return run(t, env, rclone, append(args, common...)...) }

	tree := makeTree(t, 15)
	big := writeRand(t, 11<<20)
	os.Rename(big, filepath.Join(tree, "big.bin"))
	r("mkdir", ":s3:rclone-bucket")
	r("copy", tree, ":s3:rclone-bucket/tree")
	r("check", tree, ":s3:rclone-bucket/tree")
	os.Remove(filepath.Join(tree, "d0/sub 0/file-00.txt"))
	os.WriteFile(filepath.Join(tree, "new.txt"), []byte("new file"), 0o644)
	r("sync", tree, ":s3:rclone-bucket/tree")
	r("check", tree, ":s3:rclone-bucket/tree")
	down := t.TempDir()
	r("copy", ":s3:rclone-bucket/tree", down)
	sameTree(t, tree, down)
	sameTree(t, down, tree)
	r("purge", ":s3:rclone-bucket")
}
