package gateway

import (
	"crypto/md5"
	"encoding/base64"
	"strings"
	"time"
)

// Behaviour headers: request headers that ask S3 to do something (encrypt,
// lock, redirect, share, tag, write conditionally). Each one is either
// honoured or refused — a request never succeeds while silently dropping
// what such a header asked for. checkBehaviour is the one check every
// operation goes through (server.go calls it before dispatch), so a new
// operation cannot forget it; the operation name is s3Op's.

// Operation groups for the table below.
const (
	opsWrite   = "PutObject CopyObject CreateMultipartUpload PostObject"
	opsWriteMP = opsWrite + " UploadPart UploadPartCopy"
	opsRead    = "GetObject HeadObject"
	opsSSEC    = opsWriteMP + " " + opsRead
)

// supportedACLs are the canned ACLs datamon honours: access is per repo
// (grants of users and keys), which is what "private" means; the bucket
// owner (the repo's admins) always has full control of every object.
var supportedACLs = map[string]bool{"private": true, "bucket-owner-full-control": true}

var cannedACLs = map[string]bool{"private": true, "public-read": true, "public-read-write": true,
	"authenticated-read": true, "aws-exec-read": true, "bucket-owner-read": true,
	"bucket-owner-full-control": true, "log-delivery-write": true}

var grantHeaders = []string{"X-Amz-Grant-Read", "X-Amz-Grant-Write", "X-Amz-Grant-Read-Acp",
	"X-Amz-Grant-Write-Acp", "X-Amz-Grant-Full-Control"}

// BehaviourHeaders lists every behaviour header checkBehaviour decides on
// (tests walk all of them over every operation).
var BehaviourHeaders = []string{
	"X-Amz-Server-Side-Encryption", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id",
	"X-Amz-Server-Side-Encryption-Context", "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled",
	"X-Amz-Server-Side-Encryption-Customer-Algorithm", "X-Amz-Server-Side-Encryption-Customer-Key",
	"X-Amz-Server-Side-Encryption-Customer-Key-Md5",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5",
	"X-Amz-Object-Lock-Mode", "X-Amz-Object-Lock-Retain-Until-Date", "X-Amz-Object-Lock-Legal-Hold",
	"X-Amz-Website-Redirect-Location", "X-Amz-Acl",
	"X-Amz-Grant-Read", "X-Amz-Grant-Write", "X-Amz-Grant-Read-Acp", "X-Amz-Grant-Write-Acp", "X-Amz-Grant-Full-Control",
	"X-Amz-Tagging", "X-Amz-Tagging-Directive", "X-Amz-Object-Ownership", "X-Amz-Bucket-Object-Lock-Enabled",
	"X-Amz-Write-Offset-Bytes", "X-Amz-If-Match-Last-Modified-Time", "X-Amz-If-Match-Size",
	"If-Match", "If-None-Match",
}

func opIn(op, ops string) bool {
	for _, o := range strings.Fields(ops) {
		if o == op {
			return true
		}
	}
	return false
}

var (
	errSSEGet           = errf(400, "InvalidArgument", "x-amz-server-side-encryption is not supported on GET or HEAD requests; it describes how an object is stored")
	errSSENotApplicable = errf(400, "InvalidRequest", "The encryption parameters are not applicable to this object.")
	errNoLockConfig     = errf(400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
)

func notImplemented(what string) error {
	return errf(501, "NotImplemented", what+" is not implemented")
}

// headerGetter is a request's headers (for a POST upload: its form fields).
type headerGetter func(canonical string) string

// checkBehaviour refuses the behaviour headers of r that its operation
// cannot honour: 400 for a malformed or inapplicable one (as S3 answers),
// 501 NotImplemented for a well-formed one datamon does not do.
func (r *req) checkBehaviour() error {
	return checkBehaviourOf(s3Op(r, string(r.c.Method())), r.header)
}

// CheckBehaviour is the behaviour-header check for operation op (an S3
// operation name: PutObject, CopyObject, ...) with the request's headers
// get (canonical names); nil when every header asking for something is
// honoured, else a 400 or 501 S3 error (see ErrorFor).
func CheckBehaviour(op string, get func(canonical string) string) error {
	return checkBehaviourOf(op, get)
}

// checkBehaviourOf is checkBehaviour for operation op with headers get.
func checkBehaviourOf(op string, get headerGetter) error {
	if err := checkSSE(op, get); err != nil {
		return err
	}
	if err := checkSSEC(op, get, "X-Amz-Server-Side-Encryption-Customer-", opIn(op, opsSSEC)); err != nil {
		return err
	}
	if err := checkSSEC(op, get, "X-Amz-Copy-Source-Server-Side-Encryption-Customer-", op == "CopyObject" || op == "UploadPartCopy"); err != nil {
		return err
	}
	if err := checkLock(op, get); err != nil {
		return err
	}
	if v := get("X-Amz-Website-Redirect-Location"); v != "" && opIn(op, opsWrite) {
		if !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
			return errf(400, "InvalidArgument", "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.")
		}
		return notImplemented("x-amz-website-redirect-location (static website hosting)")
	}
	if err := checkACLHeaders(op, get); err != nil {
		return err
	}
	if d := get("X-Amz-Tagging-Directive"); d != "" && d != "COPY" && d != "REPLACE" && op == "CopyObject" {
		return errf(400, "InvalidArgument", "Unknown tagging directive.")
	}
	if op == "CreateBucket" {
		switch v := get("X-Amz-Object-Ownership"); v {
		case "", "BucketOwnerEnforced": // what datamon does: no object ACLs, the repo decides
		case "BucketOwnerPreferred", "ObjectWriter":
			return notImplemented("x-amz-object-ownership " + v + " (per-object ownership)")
		default:
			return errf(400, "InvalidArgument", "Invalid x-amz-object-ownership header: "+v)
		}
		switch v := strings.ToLower(get("X-Amz-Bucket-Object-Lock-Enabled")); v {
		case "", "false":
		case "true":
			return notImplemented("object lock")
		default:
			return errf(400, "InvalidArgument", "x-amz-bucket-object-lock-enabled must be true or false")
		}
	}
	if get("X-Amz-Write-Offset-Bytes") != "" && opIn(op, "PutObject UploadPart") {
		return notImplemented("x-amz-write-offset-bytes (appends)")
	}
	return checkConditional(op, get)
}

// checkConditional: conditional writes are honoured on PutObject (and
// CopyObject's destination) and CompleteMultipartUpload (one ETag or *);
// elsewhere a condition that cannot be checked is refused rather than
// ignored.
func checkConditional(op string, get headerGetter) error {
	im, inm := get("If-Match"), get("If-None-Match")
	switch op {
	case "DeleteObject":
		if get("X-Amz-If-Match-Last-Modified-Time") != "" || get("X-Amz-If-Match-Size") != "" {
			return notImplemented("conditional DeleteObject on last-modified time or size")
		}
		if strings.Contains(im, ",") {
			return notImplemented("a conditional DeleteObject with a list of ETags")
		}
	case "CompleteMultipartUpload":
		if strings.Contains(im, ",") || strings.Contains(inm, ",") {
			return notImplemented("a conditional CompleteMultipartUpload with a list of ETags")
		}
	case "CopyObject":
		if im != "" || inm != "" {
			return notImplemented("conditional " + op + " (If-Match / If-None-Match)")
		}
	case "UploadPart", "UploadPartCopy", "CreateMultipartUpload":
		if im != "" || inm != "" {
			return errf(400, "InvalidArgument", "If-Match and If-None-Match are not supported by "+op)
		}
	}
	return nil
}

func checkSSE(op string, get headerGetter) error {
	sse := get("X-Amz-Server-Side-Encryption")
	kms := sse == "aws:kms" || sse == "aws:kms:dsse"
	for _, h := range []string{"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "X-Amz-Server-Side-Encryption-Context",
		"X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"} {
		if get(h) != "" && !kms {
			return errf(400, "InvalidArgument", "Server Side Encryption with KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms ("+strings.ToLower(h)+" given)")
		}
	}
	if v := get("X-Amz-Server-Side-Encryption-Context"); v != "" {
		if _, err := base64.StdEncoding.DecodeString(v); err != nil {
			return errf(400, "InvalidArgument", "x-amz-server-side-encryption-context must be base64-encoded JSON")
		}
	}
	if v := strings.ToLower(get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled")); v != "" && v != "true" && v != "false" {
		return errf(400, "InvalidArgument", "x-amz-server-side-encryption-bucket-key-enabled must be true or false")
	}
	if sse == "" {
		return nil
	}
	if sse != "AES256" && !kms {
		return errf(400, "InvalidArgument", "The encryption method specified is not supported: "+sse)
	}
	if get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "" || get("X-Amz-Server-Side-Encryption-Customer-Key") != "" {
		return errf(400, "InvalidArgument", "Server Side Encryption with Customer provided key is incompatible with the encryption method specified")
	}
	switch {
	case opIn(op, opsRead):
		return errSSEGet
	case opIn(op, opsWrite):
		return notImplemented("server-side encryption (x-amz-server-side-encryption " + sse + ")")
	case op == "UploadPart" || op == "UploadPartCopy":
		return errf(400, "InvalidArgument", "x-amz-server-side-encryption belongs on CreateMultipartUpload, not on "+op)
	}
	return nil
}

// checkSSEC validates the three SSE-C headers under prefix (request or
// copy source). No object is ever stored encrypted, so a well-formed key
// on a read (or a copy source) is not applicable, and on a write it asks
// for encryption datamon does not do.
func checkSSEC(op string, get headerGetter, prefix string, applies bool) error {
	algo, key, sum := get(prefix+"Algorithm"), get(prefix+"Key"), get(prefix+"Key-Md5")
	if algo == "" && key == "" && sum == "" {
		return nil
	}
	what := strings.ToLower(prefix)
	switch {
	case algo == "":
		return errf(400, "InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm ("+what+"algorithm).")
	case algo != "AES256":
		return errf(400, "InvalidEncryptionAlgorithmError", "The encryption request you specified is not valid. The valid value is AES256.")
	case key == "":
		return errf(400, "InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key ("+what+"key).")
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != 32 {
		return errf(400, "InvalidArgument", "The secret key was invalid for the specified algorithm ("+what+"key must be 32 bytes, base64).")
	}
	if sum == "" {
		return errf(400, "InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key ("+what+"key-md5).")
	}
	if want := md5.Sum(raw); base64.StdEncoding.EncodeToString(want[:]) != sum {
		return errf(400, "InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided.")
	}
	switch {
	case !applies:
		return errf(400, "InvalidArgument", "Server Side Encryption with Customer provided keys is not supported by "+op)
	case opIn(op, opsRead) || op == "UploadPart" || strings.HasPrefix(prefix, "X-Amz-Copy-Source-"):
		return errSSENotApplicable // nothing is stored encrypted
	}
	return notImplemented("server-side encryption with customer-provided keys (SSE-C)")
}

func checkLock(op string, get headerGetter) error {
	mode, until, hold := get("X-Amz-Object-Lock-Mode"), get("X-Amz-Object-Lock-Retain-Until-Date"), get("X-Amz-Object-Lock-Legal-Hold")
	if mode == "" && until == "" && hold == "" {
		return nil
	}
	if mode != "" && mode != "GOVERNANCE" && mode != "COMPLIANCE" {
		return errf(400, "InvalidArgument", "Unknown wormMode directive: x-amz-object-lock-mode must be GOVERNANCE or COMPLIANCE")
	}
	if (mode == "") != (until == "") {
		return errf(400, "InvalidArgument", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
	}
	if until != "" {
		if _, err := time.Parse(time.RFC3339, until); err != nil {
			return errf(400, "InvalidArgument", "The retain until date must be in ISO 8601 format")
		}
	}
	if hold != "" && hold != "ON" && hold != "OFF" {
		return errf(400, "InvalidArgument", "x-amz-object-lock-legal-hold must be ON or OFF")
	}
	if opIn(op, opsWrite) {
		return errNoLockConfig // no bucket has object lock (CreateBucket refuses it)
	}
	return errf(400, "InvalidArgument", "object lock headers are not supported by "+op)
}

// checkACLHeaders: canned ACLs that mean what datamon does are honoured,
// the others and every x-amz-grant-* are refused.
func checkACLHeaders(op string, get headerGetter) error {
	acl := get("X-Amz-Acl")
	grants := ""
	for _, h := range grantHeaders {
		if get(h) != "" {
			grants = strings.ToLower(h)
			break
		}
	}
	if acl == "" && grants == "" {
		return nil
	}
	if !opIn(op, opsWrite+" CreateBucket PutBucketAcl PutObjectAcl") {
		if acl != "" {
			return errf(400, "InvalidArgument", "x-amz-acl is not supported by "+op)
		}
		return errf(400, "InvalidArgument", grants+" is not supported by "+op)
	}
	if acl != "" && !cannedACLs[acl] {
		return errf(400, "InvalidArgument", "Invalid canned ACL: "+acl)
	}
	if acl != "" && grants != "" {
		return errf(400, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed")
	}
	if grants != "" {
		return notImplemented(grants + " (ACL grants; access is granted per repo to datamon users and keys)")
	}
	if !supportedACLs[acl] {
		return notImplemented("canned ACL " + acl + " (access is granted per repo to datamon users and keys)")
	}
	return nil
}
