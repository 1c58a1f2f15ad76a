package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"strings"
	"time"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// POST object (browser form upload, SigV4 POST policy): the form fields
// come first, the "file" field last; the file streams to a spool (memory up
// to postMemLimit, then a temporary file) because a backend PUT needs the
// size up front and a multipart body does not tell it.

const (
	postFieldLimit  = 64 << 10 // all non-file fields together
	postMemLimit    = 1 << 20
	maxPolicyFields = 1000
)

var (
	errMalformedPOST = errf(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
	errPostNoFile    = errf(400, "InvalidArgument", "POST requires exactly one file upload per request.")
)

func policyFailed(cond string) error {
	return errf(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: "+cond)
}

// postCondition is one policy condition: op "eq", "starts-with" or
// "content-length-range" (min, max).
type postCondition struct {
	op, field, value string
	min, max         int64
}

func (c postCondition) String() string {
	if c.op == "content-length-range" {
		return fmt.Sprintf("[content-length-range, %d, %d]", c.min, c.max)
	}
	return fmt.Sprintf("[%s, $%s, %s]", c.op, c.field, c.value)
}

// parsePostPolicy decodes a base64 policy document.
func parsePostPolicy(b64 string) (time.Time, []postCondition, error) {
	bad := func(msg string) error { return errf(400, "InvalidPolicyDocument", "Invalid Policy: "+msg) }
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return time.Time{}, nil, bad("invalid base64")
	}
	var doc struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return time.Time{}, nil, bad("invalid JSON")
	}
	exp, err := time.Parse(time.RFC3339, doc.Expiration)
	if err != nil {
		return time.Time{}, nil, bad("invalid or missing expiration")
	}
	if len(doc.Conditions) > maxPolicyFields {
		return time.Time{}, nil, bad("too many conditions")
	}
	var out []postCondition
	for _, rc := range doc.Conditions {
		var obj map[string]string
		if json.Unmarshal(rc, &obj) == nil {
			for k, v := range obj {
				out = append(out, postCondition{op: "eq", field: strings.ToLower(strings.TrimPrefix(k, "$")), value: v})
			}
			continue
		}
		var arr []any
		if json.Unmarshal(rc, &arr) != nil || len(arr) != 3 {
			return time.Time{}, nil, bad("invalid condition")
		}
		op, _ := arr[0].(string)
		op = strings.ToLower(op)
		if op == "content-length-range" {
			lo, ok1 := arr[1].(float64)
			hi, ok2 := arr[2].(float64)
			if !ok1 || !ok2 || lo < 0 || hi < lo {
				return time.Time{}, nil, bad("invalid content-length-range")
			}
			out = append(out, postCondition{op: op, min: int64(lo), max: int64(hi)})
			continue
		}
		f, ok1 := arr[1].(string)
		v, ok2 := arr[2].(string)
		if !ok1 || !ok2 || !strings.HasPrefix(f, "$") || (op != "eq" && op != "starts-with") {
			return time.Time{}, nil, bad("invalid condition")
		}
		out = append(out, postCondition{op: op, field: strings.ToLower(f[1:]), value: v})
	}
	return exp, out, nil
}

// postFields reads the form fields up to the file field, which it returns
// (with its file name) positioned at the file's first byte.
func postFields(mr *multipart.Reader) (map[string]string, *multipart.Part, error) {
	fields := map[string]string{}
	total := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil, errPostNoFile
		}
		if err != nil {
			return nil, nil, errMalformedPOST
		}
		name := strings.ToLower(p.FormName())
		if name == "" {
			return nil, nil, errMalformedPOST
		}
		if name == "file" {
			return fields, p, nil
		}
		v, err := io.ReadAll(io.LimitReader(p, int64(postFieldLimit-total+1)))
		if err != nil {
			return nil, nil, errMalformedPOST
		}
		total += len(name) + len(v)
		if total > postFieldLimit {
			return nil, nil, errf(400, "MaxPostPreDataLengthExceeded", "Your POST request fields preceding the upload file were too large.")
		}
		if _, dup := fields[name]; dup && name != "" {
			return nil, nil, errf(400, "InvalidArgument", "form field "+name+" given twice")
		}
		fields[name] = string(v)
	}
}

// spool holds a POSTed file: in memory, or in a temporary file past postMemLimit.
type spool struct {
	mem  bytes.Buffer
	f    *os.File
	size int64
}

func (s *spool) fill(r io.Reader, limit int64) error {
	n, err := io.Copy(&s.mem, io.LimitReader(r, postMemLimit))
	s.size = n
	if err != nil {
		return err
	}
	if n < postMemLimit {
		return nil
	}
	if s.f, err = os.CreateTemp("", "datamon-post-*"); err != nil {
		return err
	}
	m, err := io.Copy(s.f, io.LimitReader(r, limit-n+1))
	s.size += m
	if err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return nil
}

func (s *spool) reader() io.Reader {
	if s.f == nil {
		return bytes.NewReader(s.mem.Bytes())
	}
	return io.MultiReader(bytes.NewReader(s.mem.Bytes()), s.f)
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}

type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// postObject serves a browser-form POST upload to the bucket. It does its
// own authentication (the policy's SigV4 signature).
func (r *req) postObject() error {
	_, params, err := mime.ParseMediaType(string(r.c.Request.Header.ContentType()))
	if err != nil || params["boundary"] == "" {
		return errMalformedPOST
	}
	var raw io.Reader
	if st := r.c.RequestBodyStream(); st != nil {
		raw = st
	} else {
		raw = bytes.NewReader(r.c.Request.Body())
	}
	fields, file, err := postFields(multipart.NewReader(raw, params["boundary"]))
	if err != nil {
		return err
	}
	if err := r.postAuth(fields); err != nil {
		return err
	}
	exp, conds, err := parsePostPolicy(fields["policy"])
	if err != nil {
		return err
	}
	if r.s.cfg.Clock().After(exp) {
		return errf(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
	}
	key := fields["key"]
	if key == "" {
		return errf(400, "InvalidArgument", "Bucket POST must contain a field named 'key'.")
	}
	key = strings.ReplaceAll(key, "${filename}", file.FileName())
	fields["key"] = key
	if err := ValidKey(key); err != nil {
		return errInvalidKey
	}
	value := func(f string) string {
		if f == "bucket" {
			return r.bucket
		}
		return fields[f]
	}
	covered := map[string]bool{}
	minSize, maxSize := int64(0), r.s.cfg.MaxObjectSize
	for _, c := range conds {
		switch c.op {
		case "content-length-range":
			minSize, maxSize = max(minSize, c.min), min(maxSize, c.max)
			continue
		case "eq":
			if value(c.field) != c.value {
				return policyFailed(c.String())
			}
		case "starts-with":
			if !strings.HasPrefix(value(c.field), c.value) {
				return policyFailed(c.String())
			}
		}
		covered[c.field] = true
	}
	for f := range fields {
		if f == "policy" || f == "x-amz-signature" || f == "signature" || f == "awsaccesskeyid" || strings.HasPrefix(f, "x-ignore-") || covered[f] {
			continue
		}
		return errf(403, "AccessDenied", "Invalid according to Policy: Extra input fields: "+f)
	}

	if err := checkBehaviourOf("PostObject", postHeader(fields)); err != nil {
		return err
	}
	meta := PutMeta{ContentType: fields["content-type"], UserMeta: map[string]string{}, Headers: map[string]string{}}
	for f, v := range fields {
		if name, ok := strings.CutPrefix(f, "x-amz-meta-"); ok && name != "" {
			meta.UserMeta[name] = v
		}
	}
	for _, h := range storedHeaders {
		if v := fields[strings.ToLower(h)]; v != "" {
			meta.Headers[h] = v
		}
	}
	if v := fields["tagging"]; v != "" { // a POST form's tags are a Tagging document
		if meta.Tags, err = ParseTagging([]byte(v)); err != nil {
			return err
		}
	}
	type sum struct {
		algo, want string
		h          hash.Hash
	}
	var sums []sum
	for _, a := range sigv4.ChecksumAlgos() {
		if v := fields["x-amz-checksum-"+a]; v != "" {
			sums = append(sums, sum{algo: a, want: v})
			meta.Headers[checksumHeader(a)] = v
			meta.Headers["X-Amz-Checksum-Type"] = ChecksumFullObject
		}
	}

	// Checksums are verified while spooling, before anything is stored.
	hs := make([]io.Writer, len(sums))
	for i, s := range sums {
		sums[i].h = sigv4.NewChecksum(s.algo)
		hs[i] = sums[i].h
	}
	var sp spool
	defer sp.close()
	if err := sp.fill(io.TeeReader(file, io.MultiWriter(hs...)), maxSize); err != nil {
		return errMalformedPOST
	}
	if sp.size > maxSize {
		return errf(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
	}
	if sp.size < minSize {
		return errf(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
	}
	for _, s := range sums {
		if sigv4.ChecksumValue(s.h) != s.want {
			return fmt.Errorf("%w: x-amz-checksum-%s", ErrBadDigest, s.algo)
		}
	}
	info, err := r.s.backend.PutObject(r.ctx(), r.auth.id, r.bucket, key, sp.reader(), sp.size, meta)
	if err != nil {
		return err
	}
	loc := r.scheme() + "://" + string(r.c.Request.Header.Host()) + "/" + sigv4.URIEncode(r.bucket, false) + "/" + sigv4.URIEncode(key, true)
	h := &r.c.Response.Header
	h.Set("ETag", quote(info.ETag))
	h.Set("Location", loc)
	for _, s := range sums {
		h.Set("x-amz-checksum-"+s.algo, s.want)
	}
	switch fields["success_action_status"] {
	case "200":
		return r.ok(200)
	case "201":
		if err := r.writeXML(postResponse{Location: loc, Bucket: r.bucket, Key: key, ETag: quote(info.ETag)}); err != nil {
			return err
		}
		r.c.SetStatusCode(201)
		return nil
	}
	return r.ok(204)
}

// postAuth checks the policy's SigV4 signature and sets r.auth.
func (r *req) postAuth(fields map[string]string) error {
	if fields["policy"] == "" || fields["x-amz-signature"] == "" {
		if fields["signature"] != "" || fields["awsaccesskeyid"] != "" {
			return r.postAuthV2(fields) // authv2.go
		}
		return errAnonymous
	}
	if fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256" {
		return errf(400, "InvalidArgument", "x-amz-algorithm must be AWS4-HMAC-SHA256")
	}
	cred := strings.Split(fields["x-amz-credential"], "/")
	if len(cred) != 5 || cred[4] != "aws4_request" || cred[3] != "s3" {
		return errf(400, "InvalidArgument", "malformed x-amz-credential")
	}
	t, err := sigv4.ParseAmzDate(fields["x-amz-date"])
	if err != nil || t.UTC().Format("20060102") != cred[1] {
		return errf(400, "InvalidArgument", "x-amz-date is missing, malformed or does not match the credential")
	}
	scope := sigv4.Scope{AccessKey: cred[0], Date: cred[1], Region: cred[2], Service: cred[3]}
	token := fields["x-amz-security-token"]
	secret, id, err := r.lookupSecret(scope.AccessKey, token, false) // tokens.go
	if err != nil {
		return lookupErr(err)
	}
	// The policy is the string to sign; a rotated key's old secret counts
	// in its grace period, as for every other signature (auth.go).
	a := sigv4.Auth{Scope: scope, Signature: strings.ToLower(fields["x-amz-signature"])}
	key, _, old, ok := verifySecrets(secret, id, r.s.cfg.Clock(), a, fields["policy"])
	if !ok && r.retryFresh(token) { // a secret the leader just set (Keys)
		if secret, id, err = r.lookupSecret(scope.AccessKey, token, true); err != nil {
			return lookupErr(err)
		}
		key, _, old, ok = verifySecrets(secret, id, r.s.cfg.Clock(), a, fields["policy"])
	}
	if !ok {
		return ErrSignatureMismatch
	}
	id = id.signedWith(scope.AccessKey, old)
	r.auth = authResult{ok: true, id: id, payload: sigv4.UnsignedPayload, key: key, time: t, scope: scope}
	return nil
}

// postHeader reads a behaviour header from a POST form's fields ("acl"
// and "tagging" are the form's names for x-amz-acl and x-amz-tagging).
func postHeader(fields map[string]string) headerGetter {
	return func(h string) string {
		switch h = strings.ToLower(h); h {
		case "x-amz-acl":
			h = "acl"
		case "x-amz-tagging":
			h = "tagging"
		}
		return fields[h]
	}
}

// isPostObject tells a browser-form POST upload (POST on a bucket, form data).
func (r *req) isPostObject() bool {
	return r.c.IsPost() && r.key == "" && r.bucket != "" &&
		bytes.HasPrefix(bytes.ToLower(r.c.Request.Header.ContentType()), []byte("multipart/form-data"))
}
