package gateway

import (
	"net/url"
	"testing"

	"github.com/valyala/fasthttp"
)

// TestDispatchTable: each request shape reaches its operation (refusal
// rows as ""); every listed operation has a case here.
func TestDispatchTable(t *testing.T) {
	cases := []struct {
		method, bucket, key, query, copySrc, want string
		none                                      bool
	}{
		{method: "GET", want: "ListBuckets"},
		{method: "PUT", none: true},
		{method: "GET", bucket: "b", query: "location", want: "GetBucketLocation"},
		{method: "GET", bucket: "b", query: "versioning", want: "GetBucketVersioning"},
		{method: "GET", bucket: "b", query: "acl", want: "GetBucketAcl"},
		{method: "GET", bucket: "b", query: "uploads", want: "ListMultipartUploads"},
		{method: "GET", bucket: "b", query: "list-type=2", want: "ListObjectsV2"},
		{method: "GET", bucket: "b", query: "list-type=1", want: ""},
		{method: "GET", bucket: "b", query: "prefix=a", want: "ListObjects"},
		{method: "HEAD", bucket: "b", want: "HeadBucket"},
		{method: "PUT", bucket: "b", query: "acl", want: "PutBucketAcl"},
		{method: "GET", bucket: "b", query: "tagging", want: "GetBucketTagging"},
		{method: "PUT", bucket: "b", query: "tagging", want: "PutBucketTagging"},
		{method: "DELETE", bucket: "b", query: "tagging", want: "DeleteBucketTagging"},
		{method: "HEAD", bucket: "b", query: "tagging", want: ""},
		{method: "GET", query: "tagging", want: ""},
		{method: "PUT", bucket: "b", query: "versioning", want: ""},
		{method: "PUT", bucket: "b", want: "CreateBucket"},
		{method: "DELETE", bucket: "b", want: "DeleteBucket"},
		{method: "POST", bucket: "b", query: "delete", want: "DeleteObjects"},
		{method: "POST", bucket: "b", want: ""},
		{method: "PATCH", bucket: "b", none: true},
		{method: "GET", bucket: "b", key: "k", query: "uploadId=u", want: "ListParts"},
		{method: "GET", bucket: "b", key: "k", query: "acl", want: "GetObjectAcl"},
		{method: "GET", bucket: "b", key: "k", want: "GetObject"},
		{method: "HEAD", bucket: "b", key: "k", want: "HeadObject"},
		{method: "PUT", bucket: "b", key: "k", query: "acl", copySrc: "/b/x", want: "PutObjectAcl"},
		{method: "GET", bucket: "b", key: "k", query: "tagging", want: "GetObjectTagging"},
		{method: "PUT", bucket: "b", key: "k", query: "tagging&uploadId=u", copySrc: "/b/x", want: "PutObjectTagging"},
		{method: "DELETE", bucket: "b", key: "k", query: "tagging", want: "DeleteObjectTagging"},
		{method: "POST", bucket: "b", key: "k", query: "tagging", want: ""},
		{method: "PUT", bucket: "b", key: "k", query: "uploadId=u&partNumber=1", copySrc: "/b/x", want: "UploadPartCopy"},
		{method: "PUT", bucket: "b", key: "k", query: "partNumber=1", want: "UploadPart"},
		{method: "PUT", bucket: "b", key: "k", copySrc: "/b/x", want: "CopyObject"},
		{method: "PUT", bucket: "b", key: "k", want: "PutObject"},
		{method: "POST", bucket: "b", key: "k", query: "uploads", want: "CreateMultipartUpload"},
		{method: "POST", bucket: "b", key: "k", query: "uploadId=u", want: "CompleteMultipartUpload"},
		{method: "POST", bucket: "b", key: "k", want: ""},
		{method: "DELETE", bucket: "b", key: "k", query: "uploadId=u", want: "AbortMultipartUpload"},
		{method: "DELETE", bucket: "b", key: "k", want: "DeleteObject"},
		{method: "OPTIONS", bucket: "b", key: "k", none: true},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		var rc fasthttp.RequestCtx
		rc.Request.Header.SetMethod(c.method)
		if c.copySrc != "" {
			rc.Request.Header.Set("X-Amz-Copy-Source", c.copySrc)
		}
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		r := &req{c: &rc, bucket: c.bucket, key: c.key, query: q}
		o := r.route()
		switch {
		case c.none && o != nil:
			t.Errorf("%+v: routed to %q, want no operation", c, o.Name)
		case !c.none && o == nil:
			t.Errorf("%+v: no operation, want %q", c, c.want)
		case !c.none && o.Name != c.want:
			t.Errorf("%+v: routed to %q, want %q", c, o.Name, c.want)
		case !c.none:
			seen[o.Name] = true
		}
	}
	names := map[string]bool{}
	for _, o := range Operations() {
		if names[o.Name] {
			t.Errorf("operation %s listed twice", o.Name)
		}
		names[o.Name] = true
		if !o.PreAuth && !seen[o.Name] {
			t.Errorf("operation %s has no dispatch case here", o.Name)
		}
		switch o.Perm {
		case "read", "write", "admin":
		case "":
			if o.Name != "ListBuckets" && !o.PreAuth {
				t.Errorf("operation %s declares no permission", o.Name)
			}
		default:
			t.Errorf("operation %s: permission %q", o.Name, o.Perm)
		}
	}
}
