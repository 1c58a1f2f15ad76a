package sigv2

import (
	"net/url"
	"strings"
	"testing"
)

// TestKnownSignature is AWS's documented example (GET object,
// "Signing and Authenticating REST Requests").
func TestKnownSignature(t *testing.T) {
	sts := StringToSign("GET", "", "", "Tue, 27 Mar 2007 19:36:42 +0000", "", "/awsexamplebucket1/photos/puppy.jpg")
	if got := Sign("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sts); got != "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=" {
		t.Fatalf("signature %s", got)
	}
	amz := CanonicalAmzHeaders([]string{"X-Amz-Meta-B", "x-amz-meta-a", "Content-Type"}, func(n string) []string {
		return map[string][]string{"x-amz-meta-a": {" one ", "two\n  lines"}, "x-amz-meta-b": {"b"}}[n]
	})
	if amz != "x-amz-meta-a:one,two lines\nx-amz-meta-b:b\n" {
		t.Fatalf("amz headers %q", amz)
	}
	q, _ := url.ParseQuery("uploadId=abc&partNumber=2&foo=bar&acl")
	if r := CanonicalResource("/b", "/k%20x", q); r != "/b/k%20x?acl&partNumber=2&uploadId=abc" {
		t.Fatalf("resource %q", r)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"AWS AKID:c2ln", "AWS :x", "AWS a:", "AWS4-HMAC-SHA256 x", "AWS a b:c", "AWS a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		ak, sig, err := ParseAuthorization(h)
		if err != nil {
			return
		}
		if ak == "" || sig == "" || strings.ContainsAny(ak, " \t:") && !strings.Contains(h, ak+":") {
			t.Fatalf("%q parsed to %q %q", h, ak, sig)
		}
	})
}

func FuzzCanonicalResource(f *testing.F) {
	for _, s := range []string{"acl", "uploadId=1&partNumber=2", "a=b&versionId=", "%zz", "response-content-type=x%2Fy&uploads"} {
		f.Add("/b/k", s)
	}
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		r := CanonicalResource("", path, q)
		if !strings.HasPrefix(r, path) {
			t.Fatalf("resource %q lost the path %q", r, path)
		}
	})
}
