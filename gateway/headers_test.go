package gateway_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/gateway/sigv4"
)

// headerSet is one behaviour request: headers that ask for something.
type headerSet struct {
	name string
	h    map[string]string
	// honoured: operations that do what the set asks (and must succeed).
	honoured string
	// on: operations that can carry the set and must refuse it (400/501).
	// Everywhere else the set is either refused or changes nothing about
	// the answer (it does not apply there).
	on string
}

func sseCKey(prefix string, key []byte) map[string]string {
	sum := md5.Sum(key)
	return map[string]string{prefix + "Algorithm": "AES256", prefix + "Key": base64.StdEncoding.EncodeToString(key),
		prefix + "Key-Md5": base64.StdEncoding.EncodeToString(sum[:])}
}

const (
	wOps    = "PutObject CopyObject CreateMultipartUpload PostObject"
	partOps = "UploadPart UploadPartCopy"
	rOps    = "GetObject HeadObject"
)

func behaviourSets() []headerSet {
	key := bytes.Repeat([]byte{7}, 32)
	ssec := sseCKey("X-Amz-Server-Side-Encryption-Customer-", key)
	srcC := sseCKey("X-Amz-Copy-Source-Server-Side-Encryption-Customer-", key)
	one := func(k, v string) map[string]string { return map[string]string{k: v} }
	sets := []headerSet{
		{name: "sse-s3", h: one("X-Amz-Server-Side-Encryption", "AES256"), on: wOps + " " + partOps + " " + rOps},
		{name: "sse-kms", h: one("X-Amz-Server-Side-Encryption", "aws:kms"), on: wOps + " " + partOps + " " + rOps},
		{name: "sse-kms key", h: map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "k1"}, on: wOps + " " + partOps + " " + rOps},
		{name: "kms key alone", h: one("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "k1"), on: wOps + " " + partOps + " " + rOps},
		{name: "kms context alone", h: one("X-Amz-Server-Side-Encryption-Context", "e30="), on: wOps + " " + partOps + " " + rOps},
		{name: "bucket key alone", h: one("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled", "true"), on: wOps + " " + partOps + " " + rOps},
		{name: "sse bogus", h: one("X-Amz-Server-Side-Encryption", "rot13"), on: wOps + " " + partOps + " " + rOps},
		{name: "sse-c", h: ssec, on: wOps + " " + partOps + " " + rOps},
		{name: "sse-c key only", h: map[string]string{"X-Amz-Server-Side-Encryption-Customer-Key": ssec["X-Amz-Server-Side-Encryption-Customer-Key"]}, on: wOps + " " + partOps + " " + rOps},
		{name: "sse-c algo only", h: one("X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256"), on: wOps + " " + partOps + " " + rOps},
		{name: "sse-c bad md5", h: map[string]string{"X-Amz-Server-Side-Encryption-Customer-Algorithm": "AES256",
			"X-Amz-Server-Side-Encryption-Customer-Key":     ssec["X-Amz-Server-Side-Encryption-Customer-Key"],
			"X-Amz-Server-Side-Encryption-Customer-Key-Md5": "AAAAAAAAAAAAAAAAAAAAAA=="}, on: wOps + " " + partOps + " " + rOps},
		{name: "copy-source sse-c", h: srcC, on: "CopyObject UploadPartCopy"},
		{name: "lock", h: map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": "2030-01-01T00:00:00Z"}, on: wOps},
		{name: "lock mode alone", h: one("X-Amz-Object-Lock-Mode", "COMPLIANCE"), on: wOps},
		{name: "legal hold", h: one("X-Amz-Object-Lock-Legal-Hold", "ON"), on: wOps},
		{name: "legal hold off", h: one("X-Amz-Object-Lock-Legal-Hold", "OFF"), on: wOps},
		{name: "website redirect", h: one("X-Amz-Website-Redirect-Location", "/other"), on: wOps},
		{name: "website redirect bad", h: one("X-Amz-Website-Redirect-Location", "other"), on: wOps},
		{name: "acl private", h: one("X-Amz-Acl", "private"), honoured: wOps + " CreateBucket"},
		{name: "acl bucket-owner-full-control", h: one("X-Amz-Acl", "bucket-owner-full-control"), honoured: wOps + " CreateBucket"},
		{name: "acl bogus", h: one("X-Amz-Acl", "everyone"), on: wOps + " CreateBucket"},
		{name: "tagging", h: one("X-Amz-Tagging", "a=b"), honoured: "PutObject CreateMultipartUpload"},
		{name: "tagging invalid", h: one("X-Amz-Tagging", "aws:x=b"), on: "PutObject CreateMultipartUpload"},
		{name: "tagging directive replace", h: map[string]string{"X-Amz-Tagging-Directive": "REPLACE", "X-Amz-Tagging": "a=b"}, honoured: "CopyObject"},
		{name: "tagging directive bogus", h: one("X-Amz-Tagging-Directive", "MOVE"), on: "CopyObject"},
		{name: "ownership writer", h: one("X-Amz-Object-Ownership", "ObjectWriter"), on: "CreateBucket"},
		{name: "bucket lock", h: one("X-Amz-Bucket-Object-Lock-Enabled", "true"), on: "CreateBucket"},
		{name: "append", h: one("X-Amz-Write-Offset-Bytes", "0"), on: "PutObject UploadPart"},
		{name: "if-match on delete", h: one("If-Match", `"0123"`), on: "CopyObject"},                                         // honoured on DeleteObject and CompleteMultipartUpload (412 here)
		{name: "if-none-match on complete", h: one("If-None-Match", "*"), on: "CopyObject CreateMultipartUpload " + partOps}, // honoured on CompleteMultipartUpload
		{name: "if-match-size on delete", h: one("X-Amz-If-Match-Size", "3"), on: "DeleteObject"},
		{name: "if-match-time on delete", h: one("X-Amz-If-Match-Last-Modified-Time", "Wed, 01 Jan 2025 00:00:00 GMT"), on: "DeleteObject"},
	}
	for _, acl := range []string{"public-read", "public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read", "log-delivery-write"} {
		sets = append(sets, headerSet{name: "acl " + acl, h: one("X-Amz-Acl", acl), on: wOps + " CreateBucket"})
	}
	for _, g := range []string{"Read", "Write", "Read-Acp", "Write-Acp", "Full-Control"} {
		sets = append(sets, headerSet{name: "grant " + g, h: one("X-Amz-Grant-"+g, `id="someone"`), on: wOps + " CreateBucket"})
	}
	return sets
}

// TestBehaviourSetsCoverHeaders keeps the walk complete: every header the
// gateway decides on appears in some set.
func TestBehaviourSetsCoverHeaders(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range behaviourSets() {
		for k := range s.h {
			seen[k] = true
		}
	}
	for _, h := range gateway.BehaviourHeaders {
		if !seen[h] {
			t.Errorf("behaviour header %s is walked by no set", h)
		}
	}
}

// snapshot is all the state a request could change.
func snapshot(t *testing.T, e *env) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	bs, _ := e.backend.ListBuckets(ctx, rootID)
	for _, bk := range bs {
		fmt.Fprintf(&b, "bucket %s\n", bk.Name)
		res, _ := e.backend.ListObjects(ctx, rootID, bk.Name, gatewayListAll)
		for _, o := range res.Objects {
			fmt.Fprintf(&b, " %s %s %v %v\n", o.Key, o.ETag, o.UserMeta, o.Headers)
		}
		ups, _ := e.backend.ListMultipartUploads(ctx, rootID, bk.Name, "")
		for _, u := range ups {
			ps, _, _ := e.backend.ListParts(ctx, rootID, bk.Name, u.Key, u.UploadID, 0, 1000)
			fmt.Fprintf(&b, " upload %s %s", u.Key, u.UploadID)
			for _, p := range ps {
				fmt.Fprintf(&b, " %d:%s", p.Number, p.ETag)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestBehaviourHeaders walks every operation × every behaviour header set:
// each is honoured or refused (400 / 501), and a refused request changes
// nothing.
func TestBehaviourHeaders(t *testing.T) {
	e := startGateway(t)
	now := time.Now()
	expect(t, "create", signed(t, e, "PUT", "/hbk", nil, nil, now), 200, "")
	expect(t, "seed", signed(t, e, "PUT", "/hbk/src", []byte("source object"), nil, now), 200, "")
	b := expect(t, "mpu", signed(t, e, "POST", "/hbk/mp?uploads", nil, nil, now), 200, "")
	uid := string(regexp.MustCompile(`<UploadId>([^<]+)<`).FindSubmatch(b)[1])
	part := []byte("part one")
	expect(t, "part", signed(t, e, "PUT", "/hbk/mp?partNumber=1&uploadId="+uid, part, nil, now), 200, "")
	ps := md5.Sum(part)
	complete := []byte(fmt.Sprintf(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"%x"</ETag></Part></CompleteMultipartUpload>`, ps))
	seq := 0
	fresh := func() []byte { seq++; return []byte(fmt.Sprintf("body %d", seq)) }
	type op struct {
		name string
		do   func(h map[string]string) *http.Request
	}
	with := func(h map[string]string, extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range h {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	ops := []op{
		{"PutObject", func(h map[string]string) *http.Request { return signed(t, e, "PUT", "/hbk/put", fresh(), h, now) }},
		{"CopyObject", func(h map[string]string) *http.Request {
			return signed(t, e, "PUT", "/hbk/copy", nil, with(h, map[string]string{"X-Amz-Copy-Source": "/hbk/src"}), now)
		}},
		{"CreateMultipartUpload", func(h map[string]string) *http.Request { return signed(t, e, "POST", "/hbk/mp2?uploads", nil, h, now) }},
		{"UploadPart", func(h map[string]string) *http.Request {
			return signed(t, e, "PUT", "/hbk/mp?partNumber=2&uploadId="+uid, fresh(), h, now)
		}},
		{"UploadPartCopy", func(h map[string]string) *http.Request {
			return signed(t, e, "PUT", "/hbk/mp?partNumber=3&uploadId="+uid, nil, with(h, map[string]string{"X-Amz-Copy-Source": "/hbk/src"}), now)
		}},
		{"CompleteMultipartUpload", func(h map[string]string) *http.Request {
			b := expect(t, "mpu", signed(t, e, "POST", "/hbk/mpc?uploads", nil, nil, now), 200, "")
			id := string(regexp.MustCompile(`<UploadId>([^<]+)<`).FindSubmatch(b)[1])
			expect(t, "part", signed(t, e, "PUT", "/hbk/mpc?partNumber=1&uploadId="+id, part, nil, now), 200, "")
			return signed(t, e, "POST", "/hbk/mpc?uploadId="+id, complete, h, now)
		}},
		{"GetObject", func(h map[string]string) *http.Request { return signed(t, e, "GET", "/hbk/src", nil, h, now) }},
		{"HeadObject", func(h map[string]string) *http.Request { return signed(t, e, "HEAD", "/hbk/src", nil, h, now) }},
		{"CreateBucket", func(h map[string]string) *http.Request { return signed(t, e, "PUT", "/hbk-new", nil, h, now) }},
		{"DeleteObject", func(h map[string]string) *http.Request { return signed(t, e, "DELETE", "/hbk/src", nil, h, now) }},
		{"PostObject", func(h map[string]string) *http.Request { return postRequest(t, e, "hbk", "post", h, fresh(), now) }},
	}
	for _, o := range ops {
		for _, s := range behaviourSets() {
			req := o.do(s.h)
			before := snapshot(t, e)
			st, code, body := do(t, req)
			refused := st == 400 || st == 501
			switch {
			case in(o.name, s.honoured):
				if st >= 300 {
					t.Errorf("%s with %s: %d %s, want it honoured: %s", o.name, s.name, st, code, body)
				}
			case in(o.name, s.on):
				if !refused {
					t.Errorf("%s with %s: %d %s, want 400 or 501: %s", o.name, s.name, st, code, body)
				}
			default: // refused, or it does not apply: then at most a condition fails
				if !refused && st >= 300 && st != 412 && st != 304 {
					t.Errorf("%s with %s: %d %s: %s", o.name, s.name, st, code, body)
				}
			}
			if refused || st == 412 {
				if after := snapshot(t, e); after != before {
					t.Errorf("%s with %s refused (%d %s) but changed state:\n%s\nto\n%s", o.name, s.name, st, code, before, after)
				}
			}
			if st < 300 {
				restore(t, e, o.name, uid, now)
			}
		}
	}
}

// restore undoes what a successful walked operation changed that the
// next ones rely on (the seed object, the open upload, the new bucket).
func restore(t *testing.T, e *env, op, uid string, now time.Time) {
	t.Helper()
	switch op {
	case "DeleteObject":
		expect(t, "reseed", signed(t, e, "PUT", "/hbk/src", []byte("source object"), nil, now), 200, "")
	case "CreateBucket":
		expect(t, "drop bucket", signed(t, e, "DELETE", "/hbk-new", nil, nil, now), 204, "")
	}
}

func in(op, ops string) bool {
	for _, o := range strings.Fields(ops) {
		if o == op {
			return true
		}
	}
	return false
}

// postRequest is a browser-form POST upload of key whose SigV4-signed
// policy allows every field in h (so only the gateway's behaviour check
// can refuse them).
func postRequest(t *testing.T, e *env, bucket, key string, h map[string]string, file []byte, now time.Time) *http.Request {
	t.Helper()
	date := now.UTC().Format("20060102")
	cred := testAK + "/" + date + "/us-east-1/s3/aws4_request"
	fields := map[string]string{"key": key, "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": cred,
		"x-amz-date": now.UTC().Format("20060102T150405Z")}
	for k, v := range h {
		k = strings.ToLower(k)
		switch k {
		case "x-amz-acl":
			k = "acl"
		case "x-amz-tagging":
			k = "tagging"
		}
		fields[k] = v
	}
	conds := []any{map[string]string{"bucket": bucket}}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		conds = append(conds, []string{"eq", "$" + k, fields[k]})
	}
	doc, _ := json.Marshal(map[string]any{"expiration": now.Add(time.Hour).UTC().Format(time.RFC3339), "conditions": conds})
	fields["policy"] = base64.StdEncoding.EncodeToString(doc)
	sk := sigv4.SigningKey(testSK, sigv4.Scope{AccessKey: testAK, Date: date, Region: "us-east-1", Service: "s3"})
	fields["x-amz-signature"] = sigv4.Sign(sk, fields["policy"])
	var buf bytes.Buffer
	w := newFormWriter(&buf, fields, file)
	req, err := http.NewRequest("POST", e.url+"/"+bucket, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w)
	return req
}

// newFormWriter writes fields and the file as multipart/form-data and
// returns the content type.
func newFormWriter(buf *bytes.Buffer, fields map[string]string, file []byte) string {
	w := multipart.NewWriter(buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "upload.bin")
	fw.Write(file)
	w.Close()
	return w.FormDataContentType()
}
