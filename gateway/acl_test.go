package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestACLTellsTheTruth: GetBucketAcl / GetObjectAcl report the caller's
// real permission (a read-only key is not told it has FULL_CONTROL), and
// ACLs that ask for sharing are refused, not ignored.
func TestACLTellsTheTruth(t *testing.T) {
	e := startGateway(t)
	ctx := context.Background()
	now := time.Now()
	expect(t, "create", signed(t, e, "PUT", "/acls", nil, map[string]string{"X-Amz-Acl": "private"}, now), 200, "")
	expect(t, "put", signed(t, e, "PUT", "/acls/o", []byte("x"), map[string]string{"X-Amz-Acl": "bucket-owner-full-control"}, now), 200, "")
	root, ro := sdkClient(e, testAK, testSK), sdkClient(e, roAK, roSK)
	perms := func(c *s3.Client, object bool) []string {
		t.Helper()
		var out []string
		if object {
			a, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("acls"), Key: aws.String("o")})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range a.Grants {
				out = append(out, string(g.Permission)+":"+aws.ToString(g.Grantee.ID))
			}
			return out
		}
		a, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("acls")})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range a.Grants {
			out = append(out, string(g.Permission)+":"+aws.ToString(g.Grantee.ID))
		}
		return out
	}
	for _, c := range []struct {
		name   string
		c      *s3.Client
		object bool
		want   string
	}{
		{"root bucket", root, false, "[FULL_CONTROL:" + testAK + "]"},
		{"root object", root, true, "[FULL_CONTROL:" + testAK + "]"},
		{"reader bucket", ro, false, "[READ:" + roAK + "]"},
		{"reader object", ro, true, "[READ:" + roAK + "]"},
	} {
		if got := perms(c.c, c.object); fmtList(got) != c.want {
			t.Errorf("%s: grants %s, want %s", c.name, fmtList(got), c.want)
		}
	}
	expect(t, "public-read object", signed(t, e, "PUT", "/acls/p", []byte("x"), map[string]string{"X-Amz-Acl": "public-read"}, now), 501, "NotImplemented")
	expect(t, "public-read bucket", signed(t, e, "PUT", "/acls2", nil, map[string]string{"X-Amz-Acl": "public-read"}, now), 501, "NotImplemented")
	expect(t, "grant", signed(t, e, "PUT", "/acls/p", []byte("x"), map[string]string{"X-Amz-Grant-Read": "uri=http://acs.amazonaws.com/groups/global/AllUsers"}, now), 501, "NotImplemented")
	mustNotExistIn(t, e, "acls", "p")

	// PutBucketAcl / PutObjectAcl accept what already holds, refuse the rest.
	for _, p := range []string{"/acls?acl", "/acls/o?acl"} {
		expect(t, "put private "+p, signed(t, e, "PUT", p, nil, map[string]string{"X-Amz-Acl": "private"}, now), 200, "")
		expect(t, "put public-read "+p, signed(t, e, "PUT", p, nil, map[string]string{"X-Amz-Acl": "public-read"}, now), 501, "NotImplemented")
		expect(t, "put grants body "+p, signed(t, e, "PUT", p, []byte("<AccessControlPolicy/>"), nil, now), 501, "NotImplemented")
		expect(t, "put nothing "+p, signed(t, e, "PUT", p, nil, nil, now), 400, "MissingSecurityHeader")
	}
	expect(t, "put acl on a missing key", signed(t, e, "PUT", "/acls/none?acl", nil, map[string]string{"X-Amz-Acl": "private"}, now), 404, "NoSuchKey")
	if _, err := ro.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acls"), ACL: "private"}); apiCode(err) != "AccessDenied" {
		t.Errorf("reader PutBucketAcl: %v", err)
	}
	if err := e.backend.HeadBucket(ctx, rootID, "acls2"); err == nil {
		t.Error("bucket acls2 created with a refused ACL")
	}
}

func fmtList(xs []string) string {
	out := "["
	for i, x := range xs {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
