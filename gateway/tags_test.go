package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/datamon-io/datamon/gateway"
)

// TestObjectTagging: tags set by x-amz-tagging (PUT, multipart, copy with
// REPLACE) and PutObjectTagging are read back, counted on GET/HEAD, kept
// by a default copy, replaced and deleted; invalid tags are refused and
// change nothing; buckets answer as untagged.
func TestObjectTagging(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	c := sdkClient(e, testAK, testSK)
	B := aws.String("tags")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	tagsOf := func(key string) map[string]string {
		t.Helper()
		out, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: B, Key: aws.String(key)})
		if err != nil {
			t.Fatalf("get tagging %s: %v", key, err)
		}
		m := map[string]string{}
		for _, tg := range out.TagSet {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		return m
	}
	same := func(what string, got, want map[string]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: tags %v, want %v", what, got, want)
			return
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: tags %v, want %v", what, got, want)
			}
		}
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: B, Key: aws.String("o"), Body: bytes.NewReader([]byte("data")),
		Tagging: aws.String("team=ml&cost center=4 2")}); err != nil {
		t.Fatal(err)
	}
	same("put", tagsOf("o"), map[string]string{"team": "ml", "cost center": "4 2"})
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: B, Key: aws.String("o")})
	if err != nil || aws.ToInt32(h.TagCount) != 2 {
		t.Errorf("head tag count: %v %v", h, err)
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: B, Key: aws.String("o"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("owner"), Value: aws.String("ann")}}}}); err != nil {
		t.Fatal(err)
	}
	same("replaced", tagsOf("o"), map[string]string{"owner": "ann"})
	g, _ := c.GetObject(ctx, &s3.GetObjectInput{Bucket: B, Key: aws.String("o")})
	if g == nil || aws.ToInt32(g.TagCount) != 1 {
		t.Errorf("get tag count: %+v", g)
	} else {
		g.Body.Close()
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: B, Key: aws.String("copy"), CopySource: aws.String("tags/o")}); err != nil {
		t.Fatal(err)
	}
	same("copy keeps", tagsOf("copy"), map[string]string{"owner": "ann"})
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: B, Key: aws.String("copy2"), CopySource: aws.String("tags/o"),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("new=1")}); err != nil {
		t.Fatal(err)
	}
	same("copy replaces", tagsOf("copy2"), map[string]string{"new": "1"})
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: B, Key: aws.String("copy3"), CopySource: aws.String("tags/o"),
		MetadataDirective: types.MetadataDirectiveReplace}); err != nil {
		t.Fatal(err)
	}
	same("copy, metadata replaced, tags kept", tagsOf("copy3"), map[string]string{"owner": "ann"})
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: B, Key: aws.String("mp"), Tagging: aws.String("mp=yes")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: B, Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("p"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: B, Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	same("multipart", tagsOf("mp"), map[string]string{"mp": "yes"})

	// Invalid tags: refused, nothing changes.
	now := time.Now()
	for name, v := range map[string]string{"aws: prefix": "aws:x=1", "bad char": "a=%3Cb%3E", "11 tags": "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11",
		"duplicate": "a=1&a=2", "long key": url.QueryEscape(string(bytes.Repeat([]byte("k"), 129))) + "=v"} {
		st, _, body := do(t, signed(t, e, "PUT", "/tags/bad", []byte("x"), map[string]string{"X-Amz-Tagging": v}, now))
		if st != 400 {
			t.Errorf("tagging %s: %d %s", name, st, body)
		}
	}
	mustNotExistIn(t, e, "tags", "bad")
	expect(t, "bad tagging body", signed(t, e, "PUT", "/tags/o?tagging", []byte("<Tagging><TagSet><Tag><Key>aws:x</Key><Value>1</Value></Tag></TagSet></Tagging>"), nil, now), 400, "InvalidTag")
	expect(t, "malformed tagging body", signed(t, e, "PUT", "/tags/o?tagging", []byte("<Tagging>"), nil, now), 400, "MalformedXML")
	same("after refusals", tagsOf("o"), map[string]string{"owner": "ann"})
	expect(t, "tagging a missing key", signed(t, e, "GET", "/tags/none?tagging", nil, nil, now), 404, "NoSuchKey")
	ro := sdkClient(e, roAK, roSK)
	if _, err := ro.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: B, Key: aws.String("o"),
		Tagging: &types.Tagging{TagSet: []types.Tag{}}}); apiCode(err) != "AccessDenied" {
		t.Errorf("reader tagging: %v", err)
	}
	same("after the reader", tagsOf("o"), map[string]string{"owner": "ann"})

	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: B, Key: aws.String("o")}); err != nil {
		t.Fatal(err)
	}
	same("deleted", tagsOf("o"), map[string]string{})
	if g, _ := c.GetObject(ctx, &s3.GetObjectInput{Bucket: B, Key: aws.String("o")}); g != nil {
		g.Body.Close()
		if g.TagCount != nil {
			t.Errorf("tag count after delete: %d", *g.TagCount)
		}
	}
	bucketTagging(t, e, c, ro)
}

// bucketTagging: Put/Get/DeleteBucketTagging through aws-sdk-go-v2; bad
// tag sets and a reader are refused and change nothing.
func bucketTagging(t *testing.T, e *env, c, ro *s3.Client) {
	ctx := context.Background()
	B, now := aws.String("tags"), time.Now()
	bucketTags := func() map[string]string {
		t.Helper()
		out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: B})
		if apiCode(err) == "NoSuchTagSet" {
			return map[string]string{}
		}
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tg := range out.TagSet {
			m[*tg.Key] = *tg.Value
		}
		return m
	}
	same := func(what string, got, want map[string]string) {
		t.Helper()
		if !maps.Equal(got, want) {
			t.Errorf("%s: bucket tags %v, want %v", what, got, want)
		}
	}
	same("untagged", bucketTags(), map[string]string{})
	expect(t, "untagged bucket", signed(t, e, "GET", "/tags?tagging", nil, nil, now), 404, "NoSuchTagSet")
	set := []types.Tag{{Key: aws.String("team"), Value: aws.String("ml")}, {Key: aws.String("cost center"), Value: aws.String("42")}}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: B, Tagging: &types.Tagging{TagSet: set}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"team": "ml", "cost center": "42"}
	same("put", bucketTags(), want)
	var fifty []types.Tag
	for i := range gateway.MaxBucketTags + 1 {
		fifty = append(fifty, types.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String("v")})
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: B, Tagging: &types.Tagging{TagSet: fifty[:gateway.MaxBucketTags]}}); err != nil {
		t.Errorf("50 bucket tags: %v", err)
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: B, Tagging: &types.Tagging{TagSet: set}}); err != nil {
		t.Fatal(err)
	}
	for name, ts := range map[string][]types.Tag{"51 tags": fifty,
		"aws: prefix": {{Key: aws.String("aws:owner"), Value: aws.String("x")}},
		"duplicate":   {{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")}},
		"bad char":    {{Key: aws.String("a<b"), Value: aws.String("1")}}} {
		if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: B, Tagging: &types.Tagging{TagSet: ts}}); apiCode(err) != "InvalidTag" {
			t.Errorf("%s: %v, want InvalidTag", name, err)
		}
	}
	expect(t, "malformed bucket tagging", signed(t, e, "PUT", "/tags?tagging", []byte("<Tagging><TagSet>"), nil, now), 400, "MalformedXML")
	if _, err := ro.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: B, Tagging: &types.Tagging{TagSet: set[:1]}}); apiCode(err) != "AccessDenied" {
		t.Errorf("reader PutBucketTagging: %v", err)
	}
	if _, err := ro.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: B}); apiCode(err) != "AccessDenied" {
		t.Errorf("reader DeleteBucketTagging: %v", err)
	}
	same("after refusals", bucketTags(), want)
	if out, err := ro.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: B}); err != nil || len(out.TagSet) != 2 {
		t.Errorf("reader GetBucketTagging: %v", err)
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("nobucket"), Tagging: &types.Tagging{TagSet: set}}); apiCode(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
	if _, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	same("deleted", bucketTags(), map[string]string{})
	expect(t, "delete again", signed(t, e, "DELETE", "/tags?tagging", nil, nil, now), 204, "")
	expect(t, "an empty tag set removes them", signed(t, e, "PUT", "/tags?tagging", []byte("<Tagging><TagSet></TagSet></Tagging>"), nil, now), 204, "")
	same("empty set", bucketTags(), map[string]string{})
}
