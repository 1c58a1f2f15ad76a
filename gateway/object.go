package gateway

import (
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// storedHeaders are the request headers a PUT records and GET replays.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// putMeta collects Content-Type, x-amz-meta-* and stored headers.
func (r *req) putMeta() (PutMeta, error) {
	if err := r.checkStorageClass(); err != nil {
		return PutMeta{}, err
	}
	m := PutMeta{ContentType: r.header("Content-Type"), UserMeta: map[string]string{}, Headers: map[string]string{}}
	size := 0
	for k, v := range r.c.Request.Header.All() {
		lk := strings.ToLower(string(k))
		if name, ok := strings.CutPrefix(lk, "x-amz-meta-"); ok && name != "" {
			val := metaValueIn(v)
			m.UserMeta[name] = val
			size += len(name) + len(val)
		}
	}
	if size > 2048 {
		return m, errf(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size (2 KB).")
	}
	if v := r.header("X-Amz-Tagging"); v != "" {
		tags, err := ParseTaggingHeader(v)
		if err != nil {
			return m, err
		}
		m.Tags = tags
	}
	for _, h := range storedHeaders {
		v := r.header(h)
		if h == "Content-Encoding" {
			v = stripAWSChunked(v)
		}
		if v != "" {
			m.Headers[h] = v
		}
	}
	return m, nil
}

var storageClasses = map[string]bool{"": true, "STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true,
	"ONEZONE_IA": true, "INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true}

// checkStorageClass accepts (and ignores: every object is stored the same
// way) valid storage classes. Encryption, locks and the other behaviour
// headers are decided by checkBehaviour (headers.go) for every operation.
func (r *req) checkStorageClass() error {
	if !storageClasses[r.header("X-Amz-Storage-Class")] {
		return errf(400, "InvalidStorageClass", "The storage class you specified is not valid")
	}
	return nil
}

// metaValueIn decodes a user metadata header value as S3 does: RFC 2047
// encoded words ("=?UTF-8?B?...?=") are decoded before storing; raw bytes
// that are not UTF-8 are taken as ISO-8859-1 (HTTP's historical header
// charset) — what is stored is always UTF-8.
func metaValueIn(raw []byte) string {
	v := string(raw)
	if !utf8.ValidString(v) {
		rs := make([]rune, len(raw))
		for i, b := range raw {
			rs[i] = rune(b)
		}
		v = string(rs)
	}
	if strings.Contains(v, "=?") {
		if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
			v = d
		}
	}
	return v
}

// metaValueOut encodes a stored value that is not US-ASCII as RFC 2047
// (as S3 returns it), so every client reads back the same characters.
func metaValueOut(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 || v[i] < 0x20 && v[i] != '\t' {
			return mime.BEncoding.Encode("UTF-8", v)
		}
	}
	return v
}

// checksumHeader is the canonical stored name of a checksum header.
func checksumHeader(algo string) string {
	return "X-Amz-Checksum-" + strings.ToUpper(algo[:1]) + algo[1:]
}

// stripAWSChunked drops the aws-chunked coding (a transfer detail of the
// request) from Content-Encoding and keeps the rest as sent.
func stripAWSChunked(v string) string {
	if !strings.Contains(strings.ToLower(v), "aws-chunked") {
		return v
	}
	var keep []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" && !strings.EqualFold(p, "aws-chunked") {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ", ")
}

func (r *req) contentMD5() ([]byte, error) {
	v := r.header("Content-Md5")
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != 16 {
		return nil, errf(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
	}
	return b, nil
}

func (r *req) putObject() error {
	meta, err := r.putMeta()
	if err != nil {
		return err
	}
	if meta.ContentMD5, err = r.contentMD5(); err != nil {
		return err
	}
	meta.IfMatch = strings.Trim(r.header("If-Match"), `"`)
	meta.IfNoneMatch = strings.Trim(r.header("If-None-Match"), `"`)
	body, size, err := r.body()
	if err != nil {
		return err
	}
	// Header checksums are verified by body(); record them so GET/HEAD
	// with x-amz-checksum-mode: ENABLED can echo them.
	for _, a := range sigv4.ChecksumAlgos() {
		if v := r.header("X-Amz-Checksum-" + a); v != "" {
			meta.Headers[checksumHeader(a)] = v
			meta.Headers["X-Amz-Checksum-Type"] = "FULL_OBJECT"
		}
	}
	// Trailer checksums are known (and verified) only once the body has
	// been read to its last byte: they are added to meta.Headers then, so
	// a backend must take Headers after reading the body (see PutMeta).
	if r.chunked != nil && r.header("X-Amz-Trailer") != "" {
		body = &trailerMeta{r: body, c: r.chunked, h: meta.Headers}
	}
	info, err := r.s.backend.PutObject(r.ctx(), r.auth.id, r.bucket, r.key, body, size, meta)
	if err != nil {
		return err
	}
	r.c.Response.Header.Set("ETag", quote(info.ETag))
	r.echoChecksums()
	return r.ok(200)
}

func (r *req) deleteObject() error {
	cond := Precondition{IfMatch: strings.Trim(r.header("If-Match"), `"`)}
	var err error
	if cond.Empty() {
		err = r.s.backend.DeleteObject(r.ctx(), r.auth.id, r.bucket, r.key)
	} else if cd, ok := r.s.backend.(ConditionalDeleter); ok {
		err = cd.DeleteObjectIf(r.ctx(), r.auth.id, r.bucket, r.key, cond)
	} else {
		return notImplemented("conditional DeleteObject on this backend")
	}
	if err != nil {
		return err
	}
	return r.ok(204)
}

// checkConditions evaluates If-* headers (prefix "" or "x-amz-copy-source-")
// against info. notModified is true when a GET should answer 304.
func checkConditions(get func(string) string, prefix string, info ObjectInfo) (notModified bool, err error) {
	etagMatch := func(list string) bool {
		for _, e := range strings.Split(list, ",") {
			e = strings.Trim(strings.TrimSpace(e), `"`)
			if e == "*" || e == info.ETag {
				return true
			}
		}
		return false
	}
	lm := info.LastModified.Truncate(time.Second)
	parse := func(h string) (time.Time, bool) {
		t, err := http.ParseTime(get(prefix + h))
		return t, err == nil
	}
	im, inm := get(prefix+"If-Match"), get(prefix+"If-None-Match")
	if im != "" && !etagMatch(im) {
		return false, ErrPreconditionFailed
	}
	if t, ok := parse("If-Unmodified-Since"); ok && im == "" && lm.After(t) {
		return false, ErrPreconditionFailed
	}
	if inm != "" && etagMatch(inm) {
		return true, nil
	}
	if t, ok := parse("If-Modified-Since"); ok && inm == "" && !lm.After(t) {
		return true, nil
	}
	return false, nil
}

// setObjectHeaders writes the metadata headers of a GET/HEAD answer.
func (r *req) setObjectHeaders(info ObjectInfo) {
	h := &r.c.Response.Header
	h.Set("ETag", quote(info.ETag))
	h.Set("Last-Modified", httpTime(info.LastModified))
	h.Set("Accept-Ranges", "bytes")
	ct := info.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.SetContentType(ct)
	for k, v := range info.UserMeta {
		h.Set("x-amz-meta-"+k, metaValueOut(v))
	}
	if len(info.Tags) > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(len(info.Tags)))
	}
	echo := strings.EqualFold(r.header("X-Amz-Checksum-Mode"), "ENABLED") && r.header("Range") == ""
	for k, v := range info.Headers {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") && !echo {
			continue // a checksum of the whole object never goes with a range
		}
		h.Set(k, v)
	}
	for _, o := range [][2]string{
		{"response-content-type", "Content-Type"}, {"response-content-language", "Content-Language"},
		{"response-expires", "Expires"}, {"response-cache-control", "Cache-Control"},
		{"response-content-disposition", "Content-Disposition"}, {"response-content-encoding", "Content-Encoding"},
	} {
		if v := r.query.Get(o[0]); v != "" {
			h.Set(o[1], v)
		}
	}
}

func (r *req) getObject(head bool) error {
	if pn := r.query.Get("partNumber"); pn != "" {
		return errf(501, "NotImplemented", "GET by partNumber is not implemented")
	}
	info, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, r.bucket, r.key)
	if err != nil {
		return err
	}
	nm, err := checkConditions(r.header, "", info)
	if err != nil {
		return err
	}
	if nm {
		r.c.Response.Header.Set("ETag", quote(info.ETag))
		r.c.Response.Header.Set("Last-Modified", httpTime(info.LastModified))
		r.c.Response.SkipBody = true
		return r.ok(304)
	}
	rng, err := ParseRange(r.header("Range"), info.Size)
	if err != nil {
		if err == ErrInvalidRange {
			r.c.Response.Header.Set("Content-Range", "bytes */"+strconv.FormatInt(info.Size, 10))
		}
		return err
	}
	status := 200
	length := info.Size
	if head {
		if rng != nil {
			status, length = 206, rng.Length
			r.c.Response.Header.Set("Content-Range", contentRange(rng, info.Size))
		}
		r.setObjectHeaders(info)
		r.c.SetStatusCode(status)
		r.c.Response.SkipBody = true
		r.c.Response.Header.SetContentLength(int(length))
		return nil
	}
	info2, rc, err := r.s.backend.GetObject(r.ctx(), r.auth.id, r.bucket, r.key, rng)
	if err != nil {
		return err
	}
	if info2.ETag != info.ETag && rng != nil {
		rc.Close() // replaced between HEAD and GET; the range may not fit
		return ErrPreconditionFailed
	}
	if rng != nil {
		status, length = 206, rng.Length
		r.c.Response.Header.Set("Content-Range", contentRange(rng, info2.Size))
	} else {
		length = info2.Size
	}
	r.setObjectHeaders(info2)
	r.c.SetStatusCode(status)
	r.c.Response.SetBodyStream(readCloser{rc}, int(length))
	return nil
}

func contentRange(rng *Range, size int64) string {
	return "bytes " + strconv.FormatInt(rng.Start, 10) + "-" + strconv.FormatInt(rng.Start+rng.Length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// readCloser keeps fasthttp from seeing anything but Read and Close.
type readCloser struct{ io.ReadCloser }

// trailerMeta copies the verified trailer checksums of a chunked body into
// the stored headers as soon as they are known (by the read that returns
// the last byte).
type trailerMeta struct {
	r    io.Reader
	c    *sigv4.ChunkedReader
	h    map[string]string
	done bool
}

func (t *trailerMeta) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if !t.done && (err == nil || err == io.EOF) {
		if tr := t.c.Trailers(); len(tr) > 0 {
			t.done = true
			for _, a := range sigv4.ChecksumAlgos() {
				if v := tr["x-amz-checksum-"+a]; v != "" {
					t.h[checksumHeader(a)] = v
					t.h["X-Amz-Checksum-Type"] = "FULL_OBJECT"
				}
			}
		}
	}
	return n, err
}
