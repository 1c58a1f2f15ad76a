package gateway_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// TestMinioGo uses minio-go, which streams PUT bodies over plain HTTP as
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD (per-chunk signature chain) and, with
// checksums, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (signed trailer).
func TestMinioGo(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c, err := minio.New(e.addr, &minio.Options{Creds: credentials.NewStaticV4(testAK, testSK, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath, TrailingHeaders: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MakeBucket(ctx, "minio-bucket", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	data := randBytes(3<<20 + 5)
	cases := []struct {
		key  string
		opts minio.PutObjectOptions
		size int64
	}{
		{"signed-stream", minio.PutObjectOptions{ContentType: "text/x-minio", UserMetadata: map[string]string{"a": "b"}}, int64(len(data))},
		{"signed-trailer-crc32c", minio.PutObjectOptions{Checksum: minio.ChecksumCRC32C}, int64(len(data))},
		{"signed-trailer-sha256", minio.PutObjectOptions{Checksum: minio.ChecksumSHA256}, int64(len(data))},
		{"multipart", minio.PutObjectOptions{PartSize: 5 << 20}, -1},
	}
	for _, tc := range cases {
		body := data
		if tc.size < 0 {
			body = bytes.Repeat(data, 4)
		}
		if _, err := c.PutObject(ctx, "minio-bucket", tc.key, io.MultiReader(bytes.NewReader(body)), tc.size, tc.opts); err != nil {
			t.Fatalf("%s: %v", tc.key, err)
		}
		o, err := c.GetObject(ctx, "minio-bucket", tc.key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(o)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s: read back %d bytes, %v", tc.key, len(got), err)
		}
	}
	n := 0
	for o := range c.ListObjects(ctx, "minio-bucket", minio.ListObjectsOptions{Recursive: true, MaxKeys: 2}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		n++
	}
	if n != len(cases) {
		t.Fatalf("listed %d objects", n)
	}
}
