package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func minioClient(t *testing.T, e *env) *minio.Client {
	t.Helper()
	c, err := minio.New(e.addr, &minio.Options{Creds: credentials.NewStaticV4(testAK, testSK, ""), Region: "us-east-1",
		BucketLookup: minio.BucketLookupPath, TrailingHeaders: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestMultipartChecksumsMinio: per-part trailer checksums give the
// composite (or, when asked, full-object CRC) checksum on completion, on
// HEAD with checksum mode, and a full-object checksum on a copy.
func TestMultipartChecksumsMinio(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c := minioClient(t, e)
	if err := c.MakeBucket(ctx, "sums", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	const part = 5 << 20
	data := randBytes(2*part + 1234)
	castagnoli := crc32.MakeTable(crc32.Castagnoli)
	crc := func(b []byte) []byte { return binary.BigEndian.AppendUint32(nil, crc32.Checksum(b, castagnoli)) }
	var all []byte
	for off := 0; off < len(data); off += part {
		all = append(all, crc(data[off:min(off+part, len(data))])...)
	}
	composite := b64(crc(all)) + "-3"
	full := b64(crc(data))

	for _, tc := range []struct {
		key  string
		cs   minio.ChecksumType
		want string
	}{{"composite", minio.ChecksumCRC32C, composite}, {"full", minio.ChecksumFullObjectCRC32C, full}} {
		info, err := c.PutObject(ctx, "sums", tc.key, bytes.NewReader(data), int64(len(data)),
			minio.PutObjectOptions{PartSize: part, Checksum: tc.cs, DisableContentSha256: true})
		if err != nil {
			t.Fatal(tc.key, err)
		}
		if info.ChecksumCRC32C != tc.want {
			t.Fatalf("%s: completion checksum %q, want %q", tc.key, info.ChecksumCRC32C, tc.want)
		}
		st, err := c.StatObject(ctx, "sums", tc.key, minio.StatObjectOptions{Checksum: true})
		if err != nil || st.ChecksumCRC32C != tc.want {
			t.Fatalf("%s: HEAD checksum %q (%v), want %q", tc.key, st.ChecksumCRC32C, err, tc.want)
		}
	}
	if _, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: "sums", Object: "copy"}, minio.CopySrcOptions{Bucket: "sums", Object: "composite"}); err != nil {
		t.Fatal(err)
	}
	st, err := c.StatObject(ctx, "sums", "copy", minio.StatObjectOptions{Checksum: true})
	if err != nil || st.ChecksumCRC32C != full {
		t.Fatalf("copy: checksum %q (%v), want full-object %q", st.ChecksumCRC32C, err, full)
	}
}

// TestMultipartChecksumsSDK: aws-sdk-go-v2 sends part checksums as headers
// and lists them back in ListParts.
func TestMultipartChecksumsSDK(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c := sdkClient(e, testAK, testSK)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdksums")}); err != nil {
		t.Fatal(err)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sdksums"), Key: aws.String("o"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{randBytes(5 << 20), randBytes(777)}
	var done []types.CompletedPart
	var raw []byte
	for i, p := range parts {
		s := sha256.Sum256(p)
		raw = append(raw, s[:]...)
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sdksums"), Key: aws.String("o"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumSHA256: aws.String(b64(s[:]))})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumSHA256: aws.String(b64(s[:]))})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("sdksums"), Key: aws.String("o"), UploadId: up.UploadId})
	if err != nil || len(lp.Parts) != 2 || aws.ToString(lp.Parts[1].ChecksumSHA256) != aws.ToString(done[1].ChecksumSHA256) {
		t.Fatalf("ListParts: %v %+v", err, lp)
	}
	comp, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("sdksums"), Key: aws.String("o"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(raw)
	want := b64(s[:]) + "-2"
	if got := aws.ToString(comp.ChecksumSHA256); got != want {
		t.Fatalf("complete checksum %q, want %q", got, want)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sdksums"), Key: aws.String("o"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || aws.ToString(h.ChecksumSHA256) != want {
		t.Fatalf("HEAD checksum %q (%v), want %q", aws.ToString(h.ChecksumSHA256), err, want)
	}
}

func postForm(t *testing.T, u string, form map[string]string, fileField string, file []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range form {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile(fileField, "upload.bin")
	fw.Write(file)
	w.Close()
	res, err := http.Post(u, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestPresignedPostPolicy: browser-form POST uploads signed with minio-go's
// PresignedPostPolicy, with the policy's conditions enforced.
func TestPresignedPostPolicy(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c := minioClient(t, e)
	if err := c.MakeBucket(ctx, "forms", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	data := randBytes(2<<20 + 3) // past the in-memory spool
	policy := func(key string, exp time.Time, cs []byte) (string, map[string]string) {
		p := minio.NewPostPolicy()
		p.SetBucket("forms")
		p.SetKey(key)
		p.SetExpires(exp)
		p.SetContentType("application/x-test")
		p.SetContentLengthRange(10, 4<<20)
		p.SetUserMetadata("owner", "form")
		if cs != nil {
			if err := p.SetChecksum(minio.ChecksumCRC32C.ChecksumBytes(cs)); err != nil {
				t.Fatal(err)
			}
		}
		u, form, err := c.PresignedPostPolicy(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return u.String(), form
	}
	u, form := policy("up/ok", time.Now().Add(time.Hour), data)
	if code, body := postForm(t, u, form, "file", data); code != 204 {
		t.Fatalf("POST: %d %s", code, body)
	}
	st, err := c.StatObject(ctx, "forms", "up/ok", minio.StatObjectOptions{Checksum: true})
	if err != nil || st.Size != int64(len(data)) || st.ContentType != "application/x-test" || st.UserMetadata["Owner"] != "form" ||
		st.ChecksumCRC32C != minio.ChecksumCRC32C.ChecksumBytes(data).Encoded() {
		t.Fatalf("stat: %v %+v", err, st)
	}
	o, _ := c.GetObject(ctx, "forms", "up/ok", minio.GetObjectOptions{})
	if got, _ := io.ReadAll(o); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}

	// Small files for refused posts: the gateway answers before reading the
	// file, and a client still writing a large body would see a reset.
	small := data[:100<<10]
	bad := []struct {
		name  string
		key   string
		exp   time.Time
		edit  func(map[string]string)
		file  []byte
		field string
		code  int
		want  string
	}{
		{"wrong checksum field", "up/a", time.Now().Add(time.Hour), func(f map[string]string) { f["x-amz-checksum-crc32c"] = "AAAAAA==" }, small, "file", 403, "Policy Condition failed"},
		{"wrong key", "up/b", time.Now().Add(time.Hour), func(f map[string]string) { f["key"] = "elsewhere" }, small, "file", 403, "Policy Condition failed"},
		{"bad signature", "up/c", time.Now().Add(time.Hour), func(f map[string]string) { f["x-amz-signature"] = strings.Repeat("0", 64) }, small, "file", 403, "SignatureDoesNotMatch"},
		{"expired", "up/d", time.Now().Add(-time.Minute), nil, small, "file", 403, "expired"},
		{"too small", "up/e", time.Now().Add(time.Hour), nil, []byte("tiny"), "file", 400, "EntityTooSmall"},
		{"empty file field name", "up/f", time.Now().Add(time.Hour), nil, small, "", 400, "MalformedPOSTRequest"},
		{"extra field", "up/g", time.Now().Add(time.Hour), func(f map[string]string) { f["x-amz-meta-extra"] = "1" }, small, "file", 403, "Extra input fields"},
		{"content not matching checksum", "up/h", time.Now().Add(time.Hour), nil, append([]byte{1}, small[1:]...), "file", 400, "BadDigest"},
	}
	for _, tc := range bad {
		u, form := policy(tc.key, tc.exp, small)
		if tc.edit != nil {
			tc.edit(form)
		}
		code, body := postForm(t, u, form, tc.field, tc.file)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Fatalf("%s: %d %s", tc.name, code, body)
		}
		if _, err := c.StatObject(ctx, "forms", tc.key, minio.StatObjectOptions{}); err == nil {
			t.Fatalf("%s: object stored", tc.name)
		}
	}
	// success_action_status 201 (in the policy) answers a PostResponse document.
	p := minio.NewPostPolicy()
	p.SetBucket("forms")
	p.SetKey("up/201")
	p.SetExpires(time.Now().Add(time.Hour))
	p.SetSuccessStatusAction("201")
	pu, pform, err := c.PresignedPostPolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := postForm(t, pu.String(), pform, "file", small); code != 201 || !strings.Contains(body, "<Key>up/201</Key>") {
		t.Fatalf("201: %d %s", code, body)
	}
	// A field the policy does not cover is refused.
	u, form = policy("up/extra", time.Now().Add(time.Hour), nil)
	form["success_action_status"] = "201"
	if code, body := postForm(t, u, form, "file", small); code != 403 || !strings.Contains(body, "Extra input fields") {
		t.Fatalf("uncovered success_action_status: %d %s", code, body)
	}
}

// TestListWithMetadata: MinIO's metadata=true listing extension.
func TestListWithMetadata(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c := minioClient(t, e)
	if err := c.MakeBucket(ctx, "lmeta", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, "lmeta", "k", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{UserMetadata: map[string]string{"Marker": "m1"}}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for o := range c.ListObjects(ctx, "lmeta", minio.ListObjectsOptions{WithMetadata: true, Recursive: true}) {
		if o.Err != nil || o.UserMetadataStripped["Marker"] != "m1" {
			t.Fatalf("%v %+v", o.Err, o)
		}
		n++
	}
	if n != 1 {
		t.Fatal(n)
	}
}
