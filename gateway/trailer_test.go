package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"hash/crc32"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// TestTrailerChecksumStored: a checksum sent as a signed trailer (minio-go
// over plain HTTP) is stored like a header checksum and echoed by GET/HEAD
// with x-amz-checksum-mode: ENABLED.
func TestTrailerChecksumStored(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c, err := minio.New(e.addr, &minio.Options{Creds: credentials.NewStaticV4(testAK, testSK, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath, TrailingHeaders: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MakeBucket(ctx, "trailer", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	data := randBytes(100 << 10)
	if _, err := c.PutObject(ctx, "trailer", "k", bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{Checksum: minio.ChecksumCRC32C, DisableMultipart: true, DisableContentSha256: true}); err != nil {
		t.Fatal(err)
	}
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	h.Write(data)
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	o, err := c.GetObject(ctx, "trailer", "k", minio.GetObjectOptions{Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := o.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if st.ChecksumCRC32C != want {
		t.Fatalf("GET with checksum mode: crc32c %q, want %q", st.ChecksumCRC32C, want)
	}
}
