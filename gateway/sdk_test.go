package gateway_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func sdkClient(e *env, ak, sk string, tweak ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.url),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, ""),
	}, tweak...)
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSDKBasic(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c := sdkClient(e, testAK, testSK)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-bucket")}); apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("second create: %v", err)
	}
	data := randBytes(300 << 10)
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("dir/a b+c.bin"),
		Body: bytes.NewReader(data), ContentType: aws.String("application/x-test"), Metadata: map[string]string{"color": "blue"}})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	if *put.ETag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Fatalf("etag %s", *put.ETag)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("stream.bin"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dir/a b+c.bin", "stream.bin"} {
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if !bytes.Equal(b, data) {
			t.Fatalf("%s: body mismatch (%d bytes)", k, len(b))
		}
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("dir/a b+c.bin")})
	if err != nil {
		t.Fatal(err)
	}
	if *h.ContentLength != int64(len(data)) || *h.ContentType != "application/x-test" || h.Metadata["color"] != "blue" {
		t.Fatalf("head: len %d type %s meta %v", *h.ContentLength, *h.ContentType, h.Metadata)
	}
	rg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("stream.bin"), Range: aws.String("bytes=-100")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rg.Body)
	if !bytes.Equal(b, data[len(data)-100:]) || *rg.ContentRange != fmt.Sprintf("bytes %d-%d/%d", len(data)-100, len(data)-1, len(data)) {
		t.Fatalf("range: %d bytes, %s", len(b), *rg.ContentRange)
	}
	lst, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("sdk-bucket"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(lst.Contents) != 1 || *lst.Contents[0].Key != "stream.bin" || len(lst.CommonPrefixes) != 1 || *lst.CommonPrefixes[0].Prefix != "dir/" {
		t.Fatalf("list: %+v", lst)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("nope")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("stream.bin"),
		Body: bytes.NewReader(data), IfNoneMatch: aws.String("*")}); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("conditional put: %v", err)
	}
	ro := sdkClient(e, roAK, roSK)
	if _, err := ro.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("x"), Body: bytes.NewReader(nil)}); apiCode(err) != "AccessDenied" {
		t.Fatalf("read-only put: %v", err)
	}
	bad := sdkClient(e, testAK, "wrong-secret")
	if _, err := bad.ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("sdk-bucket"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("stream.bin")}, {Key: aws.String("dir/a b+c.bin")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("sdk-bucket")}); err != nil {
		t.Fatal(err)
	}
}
