package gateway

import (
	"encoding/xml"
	"hash"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// parseCopySource decodes x-amz-copy-source: "[/]bucket/key[?versionId=v]".
func parseCopySource(v string) (bucket, key string, err error) {
	src, q, _ := strings.Cut(v, "?")
	if q != "" {
		vals, err := url.ParseQuery(q)
		if err != nil {
			return "", "", errf(400, "InvalidArgument", "Invalid copy source")
		}
		if id := vals.Get("versionId"); id != "" && id != "null" {
			return "", "", errf(501, "NotImplemented", "copy from an object version is not implemented")
		}
	}
	src, err = url.PathUnescape(src)
	if err != nil {
		return "", "", errf(400, "InvalidArgument", "Invalid copy source encoding")
	}
	src = strings.TrimPrefix(src, "/")
	bucket, key, ok := strings.Cut(src, "/")
	if !ok || key == "" {
		return "", "", errf(400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	if err := ValidRequestBucket(bucket); err != nil {
		return "", "", err
	}
	if err := ValidKey(key); err != nil {
		return "", "", errInvalidKey
	}
	return bucket, key, nil
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	NS           string   `xml:"xmlns,attr"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

// checkCopySource evaluates the x-amz-copy-source-if-* headers.
func (r *req) checkCopySource(sb, sk string) error {
	has := false
	for _, h := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		has = has || r.header("X-Amz-Copy-Source-"+h) != ""
	}
	if !has {
		return nil
	}
	info, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, sb, sk)
	if err != nil {
		return err
	}
	nm, err := checkConditions(r.header, "X-Amz-Copy-Source-", info)
	if err != nil {
		return err
	}
	if nm {
		return ErrPreconditionFailed
	}
	return nil
}

func (r *req) copyObject() error {
	sb, sk, err := parseCopySource(r.header("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	var meta *PutMeta
	switch d := r.header("X-Amz-Metadata-Directive"); d {
	case "", "COPY":
		if sb == r.bucket && sk == r.key {
			return errf(400, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
	case "REPLACE":
		m, err := r.putMeta()
		if err != nil {
			return err
		}
		meta = &m
	default:
		return errf(400, "InvalidArgument", "Unknown metadata directive.")
	}
	if err := r.checkCopySource(sb, sk); err != nil {
		return err
	}
	if meta == nil {
		if meta, err = r.fullChecksumMeta(sb, sk); err != nil {
			return err
		}
	}
	info, err := r.s.backend.CopyObject(r.ctx(), r.auth.id, sb, sk, r.bucket, r.key, meta)
	if err != nil {
		return err
	}
	return r.writeXML(copyObjectResult{NS: s3NS, LastModified: isoTime(info.LastModified), ETag: quote(info.ETag)})
}

// parseCopyRange parses x-amz-copy-source-range "bytes=first-last" (both required).
func parseCopyRange(v string, size int64) (*Range, error) {
	if v == "" {
		return nil, nil
	}
	spec, ok := strings.CutPrefix(v, "bytes=")
	a, b, ok2 := strings.Cut(spec, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || !ok2 || err1 != nil || err2 != nil || first < 0 || last < first {
		return nil, errf(400, "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
	}
	if last >= size {
		return nil, errf(400, "InvalidRange", "The requested range is not satisfiable")
	}
	return &Range{Start: first, Length: last - first + 1}, nil
}

// fullChecksumMeta: a copy is not a multipart object, so (as S3 does) a
// composite checksum of the source becomes the full-object checksum of the
// copy, computed by reading the source. Nil when the source has none.
func (r *req) fullChecksumMeta(sb, sk string) (*PutMeta, error) {
	info, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, sb, sk)
	if err != nil {
		return nil, err
	}
	var algos []string
	for _, a := range sigv4.ChecksumAlgos() {
		if strings.Contains(info.Headers[checksumHeader(a)], "-") {
			algos = append(algos, a)
		}
	}
	if len(algos) == 0 {
		return nil, nil
	}
	_, rc, err := r.s.backend.GetObject(r.ctx(), r.auth.id, sb, sk, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	hs := make([]io.Writer, len(algos))
	sums := make([]hash.Hash, len(algos))
	for i, a := range algos {
		sums[i] = sigv4.NewChecksum(a)
		hs[i] = sums[i]
	}
	if _, err := io.Copy(io.MultiWriter(hs...), rc); err != nil {
		return nil, err
	}
	m := &PutMeta{ContentType: info.ContentType, UserMeta: info.UserMeta, Headers: map[string]string{}}
	for k, v := range info.Headers {
		m.Headers[k] = v
	}
	for i, a := range algos {
		m.Headers[checksumHeader(a)] = sigv4.ChecksumValue(sums[i])
	}
	m.Headers["X-Amz-Checksum-Type"] = ChecksumFullObject
	return m, nil
}
