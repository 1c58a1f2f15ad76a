package gateway

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-0", "bytes=-10", "bytes=5-", "bytes=1-2,4-5", "bytes=9-3", "bytes=-0", "items=1-2", "bytes=18446744073709551615-"} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		r, err := ParseRange(h, size)
		if err != nil {
			if r != nil {
				t.Fatal("range with error")
			}
			return
		}
		if r != nil && (r.Start < 0 || r.Length <= 0 || r.Start+r.Length > size) {
			t.Fatalf("range %+v out of object of %d bytes (%q)", *r, size, h)
		}
	})
}

func FuzzValidKey(f *testing.F) {
	for _, s := range []string{"a", "a/b", "../x", "a/./b", "/lead", "a\x00b", strings.Repeat("k", 1025), "dir/", "a//b", "..."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, k string) {
		if ValidKey(k) != nil {
			return
		}
		if k == "" || len(k) > MaxKeyLen || strings.Contains(k, "\x00") || k[0] == '/' {
			t.Fatalf("accepted %q", k)
		}
		for _, seg := range strings.Split(k, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("accepted dot segment in %q", k)
			}
		}
	})
}

func FuzzValidBucketName(f *testing.F) {
	for _, s := range []string{"abc", "my.bucket-1", "192.168.1.1", "a..b", "-ab", "AB", "xn--abc", "ab"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b string) {
		if ValidBucketName(b) != nil {
			return
		}
		if len(b) < 3 || len(b) > 63 || strings.ContainsAny(b, "/_ ABCDEFGHIJKLMNOPQRSTUVWXYZ") || strings.Contains(b, "..") {
			t.Fatalf("accepted %q", b)
		}
	})
}

func FuzzValidRequestBucket(f *testing.F) {
	for _, s := range []string{"abc", "MyRepo", "images--bundle--2AbCdEfGhIjKlMnOpQrStUvWxYz", "v1_2", ".", "..", "a..b", "", "a/b", "a b", "\x00", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b string) {
		err := ValidRequestBucket(b)
		if ValidBucketName(b) == nil && err != nil {
			t.Fatalf("strict name %q refused by the request check: %v", b, err)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidBucketName) {
				t.Fatalf("%q: error %v is not InvalidBucketName", b, err)
			}
			return
		}
		if len(b) < 1 || len(b) > MaxRequestBucketLen || b == "." || strings.Contains(b, "..") {
			t.Fatalf("accepted %q", b)
		}
		for _, c := range []byte(b) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
				t.Fatalf("accepted byte %q in %q", c, b)
			}
		}
	})
}

func FuzzParseCompleteMultipartUpload(f *testing.F) {
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"abc"</ETag></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>0</PartNumber></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<x/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parts, err := ParseCompleteMultipartUpload(b)
		if err != nil {
			return
		}
		if len(parts) == 0 || len(parts) > MaxPartNumber {
			t.Fatalf("%d parts", len(parts))
		}
		for _, p := range parts {
			if p.Number < 1 || p.Number > MaxPartNumber || strings.HasPrefix(p.ETag, `"`) {
				t.Fatalf("bad part %+v", p)
			}
		}
	})
}

func FuzzParseDeleteObjects(f *testing.F) {
	f.Add([]byte(`<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>b/c</Key></Object></Delete>`))
	f.Add([]byte(`<Delete><Object><Key>a</Key><VersionId>v1</VersionId></Object></Delete>`))
	f.Add([]byte(`<Delete></Delete>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDeleteObjects(b)
		if err != nil {
			return
		}
		if len(d.Keys) == 0 || len(d.Keys) > MaxDeleteObjects {
			t.Fatalf("%d keys", len(d.Keys))
		}
	})
}

func TestValidRequestBucket(t *testing.T) {
	for _, ok := range []string{"images", "MyRepo", "images--bundle--3N6KqJ8MPWThRwmpRDIGq7vda8K", "MixedCase--label--v1_2", "prod.images", "a"} {
		if err := ValidRequestBucket(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a..b", "a b", "a/b", "café", "a\x00", strings.Repeat("a", MaxRequestBucketLen+1)} {
		err := ValidRequestBucket(bad)
		if !errors.Is(err, ErrInvalidBucketName) || !strings.Contains(err.Error(), ":") {
			t.Errorf("%q: %v, want a described InvalidBucketName", bad, err)
		}
	}
}

// FuzzCheckBehaviour: any value of any behaviour header, on any operation,
// is accepted or refused with a 400 / 501 — never a panic or another status.
func FuzzCheckBehaviour(f *testing.F) {
	f.Add(0, 0, "AES256", "")
	f.Add(1, 3, "aws:kms", "k")
	f.Add(2, 5, "AES256", "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")
	f.Add(3, 11, "GOVERNANCE", "2030-01-01T00:00:00Z")
	f.Add(4, 14, "public-read", "")
	f.Add(5, 20, "a=b", "")
	f.Fuzz(func(t *testing.T, op, h int, v1, v2 string) {
		ops := []string{"PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
			"CompleteMultipartUpload", "GetObject", "HeadObject", "CreateBucket", "DeleteObject", "PostObject", "ListObjects"}
		hs := BehaviourHeaders
		o := ops[uint(op)%uint(len(ops))]
		first := hs[uint(h)%uint(len(hs))]
		second := hs[uint(h+1)%uint(len(hs))]
		err := CheckBehaviour(o, func(k string) string {
			switch k {
			case first:
				return v1
			case second:
				return v2
			}
			return ""
		})
		if err == nil {
			return
		}
		if _, st := ErrorFor(err, nil); st != 400 && st != 501 {
			t.Fatalf("%s %s=%q %s=%q: status %d (%v)", o, first, v1, second, v2, st, err)
		}
	})
}

// FuzzParseTagging: a Tagging document either parses to tags that pass
// ValidateTags or is refused with a 400; never a panic.
func FuzzParseTagging(f *testing.F) {
	for _, s := range []string{"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>",
		"<Tagging><TagSet><Tag><Key>aws:x</Key><Value></Value></Tag></TagSet></Tagging>", "<Tagging>", "",
		"<Tagging><TagSet><Tag><Key>a</Key></Tag><Tag><Key>a</Key></Tag></TagSet></Tagging>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		tags, err := ParseTagging([]byte(doc))
		if err != nil {
			if _, st := ErrorFor(err, nil); st != 400 {
				t.Fatalf("%q: status %d", doc, st)
			}
			return
		}
		if ValidateTags(tags) != nil {
			t.Fatalf("%q parsed to invalid tags %v", doc, tags)
		}
	})
}

// FuzzParseTaggingHeader: the same for x-amz-tagging.
func FuzzParseTaggingHeader(f *testing.F) {
	for _, s := range []string{"a=b", "a=1&a=2", "aws:k=v", "%zz", "k=v&", "a=%3Cb%3E", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tags, err := ParseTaggingHeader(h)
		if err != nil {
			if _, st := ErrorFor(err, nil); st != 400 {
				t.Fatalf("%q: status %d", h, st)
			}
			return
		}
		if len(tags) > MaxTags || ValidateTags(tags) != nil {
			t.Fatalf("%q parsed to invalid tags %v", h, tags)
		}
	})
}

// FuzzParseBucketTagging: a PutBucketTagging body either parses to tags
// that pass ValidateBucketTags (the same bounds model.ValidateRepoS3 checks
// again in the Raft command) or is a 400.
func FuzzParseBucketTagging(f *testing.F) {
	for _, s := range []string{"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>",
		"<Tagging><TagSet></TagSet></Tagging>", "<Tagging><TagSet><Tag><Key>aws:x</Key><Value></Value></Tag></TagSet></Tagging>",
		"<Tagging>", "", "<Tagging><TagSet><Tag><Key>a</Key></Tag><Tag><Key>a</Key></Tag></TagSet></Tagging>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		tags, err := ParseBucketTagging([]byte(doc))
		if err != nil {
			if _, st := ErrorFor(err, nil); st != 400 {
				t.Fatalf("%q: status %d", doc, st)
			}
			return
		}
		if ValidateBucketTags(tags) != nil {
			t.Fatalf("%q parsed to invalid tags %v", doc, tags)
		}
	})
}
