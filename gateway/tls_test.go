package gateway_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func selfSigned(t testing.TB) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestSDKTrailingChecksums runs aws-sdk-go-v2 over TLS, where it streams
// unseekable bodies as STREAMING-UNSIGNED-PAYLOAD-TRAILER with a trailing
// x-amz-checksum-* (CRC32 by default, others requested explicitly).
func TestSDKTrailingChecksums(t *testing.T) {
	e := startGatewayTLS(t, selfSigned(t))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	c := sdkClient(e, testAK, testSK, func(o *s3.Options) { o.HTTPClient = hc })
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trailers")}); err != nil {
		t.Fatal(err)
	}
	data := randBytes(200<<10 + 17)
	algos := []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
		types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256, types.ChecksumAlgorithmCrc64nvme}
	for _, a := range algos {
		key := "obj-" + string(a)
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("trailers"), Key: aws.String(key),
			Body: io.MultiReader(bytes.NewReader(data)), ContentLength: aws.Int64(int64(len(data))), ChecksumAlgorithm: a})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("trailers"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if !bytes.Equal(b, data) {
			t.Fatalf("%s: body mismatch", key)
		}
	}
	// Multipart through the upload manager (parts stream with trailers, 4 in parallel).
	big := randBytes(12 << 20)
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20; u.Concurrency = 4 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("trailers"), Key: aws.String("big"), Body: io.MultiReader(bytes.NewReader(big))})
	if err != nil {
		t.Fatal(err)
	}
	if res.ETag == nil || !bytes.HasSuffix([]byte(*res.ETag), []byte(`-3"`)) {
		t.Fatalf("multipart etag %v", res.ETag)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("trailers"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	if !bytes.Equal(b, big) {
		t.Fatal("multipart body mismatch")
	}
}
