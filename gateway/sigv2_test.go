package gateway_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/gateway/sigv2"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// TestSigV2: minio-go's V2 signer (Authorization header, presigned GET and
// PUT, a POST policy) against the gateway; wrong secrets, tampering and
// expiry are refused with S3's client errors, never 501.
func TestSigV2(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	v2 := func(sk string, lookup minio.BucketLookupType) *minio.Client {
		c, err := minio.New(e.addr, &minio.Options{Creds: credentials.NewStaticV2(testAK, sk, ""), Region: "us-east-1", BucketLookup: lookup})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := v2(testSK, minio.BucketLookupPath)
	if err := c.MakeBucket(ctx, "vtwo", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	data := randBytes(100 << 10)
	if _, err := c.PutObject(ctx, "vtwo", "dir/a b+c", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType: "text/x-v2", UserMetadata: map[string]string{"who": "v2"}}); err != nil {
		t.Fatal(err)
	}
	o, err := c.GetObject(ctx, "vtwo", "dir/a b+c", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(o); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GET: %v, %d bytes", err, len(got))
	}
	st, err := c.StatObject(ctx, "vtwo", "dir/a b+c", minio.StatObjectOptions{})
	if err != nil || st.ContentType != "text/x-v2" || st.UserMetadata["Who"] != "v2" {
		t.Fatalf("stat: %v %+v", err, st)
	}
	n := 0
	for obj := range c.ListObjects(ctx, "vtwo", minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("listed %d objects", n)
	}
	// Virtual-host style: the bucket is in Host, so the signed resource
	// starts with it.
	vc, err := minio.New("s3.local:"+e.addr[strings.LastIndexByte(e.addr, ':')+1:], &minio.Options{
		Creds: credentials.NewStaticV2(testAK, testSK, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupDNS,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, e.addr)
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vc.StatObject(ctx, "vtwo", "dir/a b+c", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("virtual host: %v", err)
	}

	// Presigned GET and PUT.
	u, err := c.PresignedGetObject(ctx, "vtwo", "dir/a b+c", time.Minute, url.Values{"response-content-type": {"x/y"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, data) || resp.Header.Get("Content-Type") != "x/y" {
		t.Fatalf("presigned GET: %d %s", resp.StatusCode, got[:min(len(got), 200)])
	}
	tampered := strings.Replace(u.String(), "response-content-type=x%2Fy", "response-content-type=x%2Fz", 1)
	req, _ := http.NewRequest("GET", tampered, nil)
	expect(t, "tampered presigned", req, 403, "SignatureDoesNotMatch")
	pu, err := c.PresignedPutObject(ctx, "vtwo", "put", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("PUT", pu.String(), bytes.NewReader([]byte("presigned body")))
	expect(t, "presigned PUT", req, 200, "")
	expired := strings.Replace(pu.String(), "Expires=", "Expires=1&x=", 1)
	req, _ = http.NewRequest("PUT", expired, bytes.NewReader([]byte("late")))
	expect(t, "expired presigned", req, 403, "AccessDenied")

	// POST policy signed with V2.
	p := minio.NewPostPolicy()
	p.SetBucket("vtwo")
	p.SetKey("form")
	p.SetExpires(time.Now().Add(time.Hour))
	pu2, form, err := c.PresignedPostPolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := form["signature"]; !ok {
		t.Fatalf("not a V2 form: %v", form)
	}
	if code, body := postForm(t, pu2.String(), form, "file", []byte("form body")); code != 204 {
		t.Fatalf("V2 POST: %d %s", code, body)
	}
	form["signature"] = "AAAA" + form["signature"][4:]
	if code, body := postForm(t, pu2.String(), form, "file", []byte("x")); code != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Fatalf("V2 POST, bad signature: %d %s", code, body)
	}

	// Wrong secret: 403 SignatureDoesNotMatch; nothing stored.
	bad := v2(strings.Repeat("x", len(testSK)), minio.BucketLookupPath)
	if _, err := bad.PutObject(ctx, "vtwo", "nope", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{}); minio.ToErrorResponse(err).Code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
	mustNotExistIn(t, e, "vtwo", "nope")
	req, _ = http.NewRequest("GET", e.url+"/vtwo", nil)
	req.Header.Set("Authorization", "AWS nocolon")
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	expect(t, "malformed v2", req, 400, "AuthorizationHeaderMalformed")

	// A bucket's resource signed "/bucket/" (botocore, AWS's rule) while
	// the path sent is "/bucket".
	date := time.Now().UTC().Format(http.TimeFormat)
	for _, res := range []string{"/vtwo/", "/vtwo"} {
		req, _ = http.NewRequest("GET", e.url+"/vtwo?list-type=2", nil)
		req.Header.Set("Date", date)
		req.Header.Set("Authorization", "AWS "+testAK+":"+sigv2.Sign(testSK, sigv2.StringToSign("GET", "", "", date, "", res)))
		expect(t, "bucket resource "+res, req, 200, "")
	}
}
