package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// s3Cases is the S3 half of the matrix, keyed by operation name like
// gateway.Operations: a new operation without a case fails TestAuthMatrix.
func s3Cases() map[string]s3Case {
	rd := func(method, path string) s3Case {
		return s3Case{perm: "read", status: 200, build: func(*amFix) s3Req { return s3Req{method: method, path: path} }}
	}
	return map[string]s3Case{
		"ListBuckets": {perm: "", status: 200, hidden: "<Name>s3m</Name>", build: func(*amFix) s3Req { return s3Req{method: "GET", path: "/"} }},

		"GetBucketLocation":   rd("GET", "/s3m?location"),
		"GetBucketVersioning": rd("GET", "/s3m?versioning"),
		"GetBucketAcl":        rd("GET", "/s3m?acl"),
		"PutBucketAcl": {perm: "write", status: 200, build: func(*amFix) s3Req { // "private": what every bucket is
			return s3Req{method: "PUT", path: "/s3m?acl", hdr: map[string]string{"X-Amz-Acl": "private"}}
		}},
		"GetBucketTagging": rd("GET", "/s3m?tagging"), // s3m is tagged (s3Setup)
		"PutBucketTagging": {perm: "write", status: 204, mutates: true, build: func(f *amFix) s3Req {
			body := []byte("<Tagging><TagSet><Tag><Key>by</Key><Value>" + f.name("matrix") + "</Value></Tag></TagSet></Tagging>")
			return s3Req{method: "PUT", path: "/s3m?tagging", body: body, hdr: md5hdr(body)}
		}},
		"DeleteBucketTagging": {perm: "write", status: 204, mutates: true, build: func(f *amFix) s3Req {
			b := f.repo()
			f.buckets = append(f.buckets, b)
			f.tagBucket(b)
			return s3Req{method: "DELETE", path: "/" + b + "?tagging"}
		}},
		"ListMultipartUploads": rd("GET", "/s3m?uploads"),
		"ListObjectsV2":        rd("GET", "/s3m?list-type=2"),
		"ListObjects":          rd("GET", "/s3m"),
		"HeadBucket":           rd("HEAD", "/s3m"),
		"CreateBucket": {perm: "admin", status: 200, mutates: true, build: func(f *amFix) s3Req {
			return s3Req{method: "PUT", path: "/" + f.name("bucket")}
		}},
		"DeleteBucket": {perm: "admin", status: 204, mutates: true, build: func(f *amFix) s3Req {
			return s3Req{method: "DELETE", path: "/" + f.repo()}
		}},
		"DeleteObjects": {perm: "write", status: 200, mutates: true, perKey: true, build: func(f *amFix) s3Req {
			k := f.name("victim")
			f.s3put("/s3m/" + k)
			body := []byte("<Delete><Object><Key>" + k + "</Key></Object></Delete>")
			return s3Req{method: "POST", path: "/s3m?delete", body: body, hdr: md5hdr(body)}
		}},

		"ListParts": {perm: "read", status: 200, build: func(f *amFix) s3Req {
			return s3Req{method: "GET", path: "/s3m/mp?uploadId=" + url.QueryEscape(f.uploads[0][1])}
		}},
		"GetObjectAcl": rd("GET", "/s3m/obj?acl"),
		"PutObjectAcl": {perm: "write", status: 200, build: func(*amFix) s3Req { // "private": what every object is
			return s3Req{method: "PUT", path: "/s3m/obj?acl", hdr: map[string]string{"X-Amz-Acl": "private"}}
		}},
		"GetObjectTagging": rd("GET", "/s3m/obj?tagging"),
		"PutObjectTagging": {perm: "write", status: 200, mutates: true, build: func(f *amFix) s3Req {
			k := f.taggedObject(false)
			body := []byte("<Tagging><TagSet><Tag><Key>team</Key><Value>matrix</Value></Tag></TagSet></Tagging>")
			return s3Req{method: "PUT", path: "/s3m/" + k + "?tagging", body: body, hdr: md5hdr(body)}
		}},
		"DeleteObjectTagging": {perm: "write", status: 204, mutates: true, build: func(f *amFix) s3Req {
			return s3Req{method: "DELETE", path: "/s3m/" + f.taggedObject(true) + "?tagging"}
		}},
		"GetObject":  rd("GET", "/s3m/obj"),
		"HeadObject": rd("HEAD", "/s3m/obj"),
		"UploadPartCopy": {perm: "write", status: 200, mutates: true, build: func(f *amFix) s3Req {
			return s3Req{method: "PUT", path: "/s3m/mp?partNumber=2&uploadId=" + url.QueryEscape(f.uploads[0][1]), hdr: map[string]string{"X-Amz-Copy-Source": "/s3m/obj"}}
		}},
		"UploadPart": {perm: "write", status: 200, mutates: true, build: func(f *amFix) s3Req {
			return s3Req{method: "PUT", path: "/s3m/mp?partNumber=1&uploadId=" + url.QueryEscape(f.uploads[0][1]), body: []byte("part one")}
		}},
		"CopyObject": {perm: "write", status: 200, mutates: true, build: func(f *amFix) s3Req {
			return s3Req{method: "PUT", path: "/s3m/" + f.name("copy"), hdr: map[string]string{"X-Amz-Copy-Source": "/s3m/obj"}}
		}},
		"PutObject": {perm: "write", status: 200, mutates: true, build: func(f *amFix) s3Req {
			return s3Req{method: "PUT", path: "/s3m/" + f.name("put"), body: []byte("put by the matrix")}
		}},
		"CreateMultipartUpload": {perm: "write", status: 200, mutates: true, build: func(f *amFix) s3Req {
			return s3Req{method: "POST", path: "/s3m/" + f.name("mpu") + "?uploads"}
		}},
		"CompleteMultipartUpload": {perm: "write", status: 200, mutates: true, build: func(f *amFix) s3Req {
			k := f.name("cmp")
			id := f.s3upload(k)
			f.uploads = append(f.uploads, [2]string{k, id})
			part := []byte("the only part")
			p := "/s3m/" + k + "?uploadId=" + url.QueryEscape(id)
			if st, _, b := f.s3Send(0, f.root.s3(), "", "PUT", p+"&partNumber=1", part, nil); st != 200 {
				f.t.Fatalf("root UploadPart: %d %s", st, b)
			}
			sum := md5.Sum(part)
			body := []byte(fmt.Sprintf(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"%s"</ETag></Part></CompleteMultipartUpload>`, hex.EncodeToString(sum[:])))
			return s3Req{method: "POST", path: p, body: body}
		}},
		"AbortMultipartUpload": {perm: "write", status: 204, mutates: true, build: func(f *amFix) s3Req {
			k := f.name("abort")
			id := f.s3upload(k)
			f.uploads = append(f.uploads, [2]string{k, id})
			return s3Req{method: "DELETE", path: "/s3m/" + k + "?uploadId=" + url.QueryEscape(id)}
		}},
		"DeleteObject": {perm: "write", status: 204, mutates: true, build: func(f *amFix) s3Req {
			k := f.name("victim")
			f.s3put("/s3m/" + k)
			return s3Req{method: "DELETE", path: "/s3m/" + k}
		}},

		"AssumeRoleWithWebIdentity": {run: (*amFix).stsMatrix},
		"PostObject":                {perm: "write", run: (*amFix).postObjectMatrix},
	}
}

var stsKeyRe = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>\s*<SecretAccessKey>([^<]+)</SecretAccessKey>\s*<SessionToken>([^<]+)</SessionToken>`)

// stsForm is an AssumeRoleWithWebIdentity form body.
func stsForm(role, token string) []byte {
	v := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {role},
		"RoleSessionName": {"matrix"}, "DurationSeconds": {"900"}}
	if token != "" {
		v.Set("WebIdentityToken", token)
	}
	return []byte(v.Encode())
}

func (f *amFix) stsPost(node int, body []byte) (int, string, []byte) {
	return f.s3Send(node, s3Creds{}, "", "POST", "/", body, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// stsCreds exchanges token for temporary credentials.
func (f *amFix) stsCreds(token string) s3Creds {
	f.t.Helper()
	st, _, b := f.stsPost(0, stsForm(jwtRole, token))
	m := stsKeyRe.FindSubmatch(b)
	if st != 200 || m == nil {
		f.t.Fatalf("STS: %d %s", st, b)
	}
	return s3Creds{id: string(m[1]), secret: string(m[2]), session: strings.TrimSpace(string(m[3]))}
}
