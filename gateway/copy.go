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
	algo := strings.ToLower(r.header("X-Amz-Checksum-Algorithm"))
	if algo != "" && sigv4.NewChecksum(algo) == nil {
		return errf(400, "InvalidRequest", "Checksum algorithm provided is unsupported: "+algo)
	}
	if err := r.checkCopySource(sb, sk); err != nil {
		return err
	}
	// Tags: x-amz-tagging-directive COPY (the default) keeps the
	// source's, REPLACE takes x-amz-tagging's (none if absent).
	replaceTags := r.header("X-Amz-Tagging-Directive") == "REPLACE"
	var newTags map[string]string
	if replaceTags {
		if newTags, err = ParseTaggingHeader(r.header("X-Amz-Tagging")); err != nil {
			return err
		}
	}
	var src ObjectInfo
	if meta, src, err = r.copyChecksums(sb, sk, meta, algo, replaceTags); err != nil {
		return err
	}
	if meta != nil {
		meta.Tags = src.Tags
		if replaceTags {
			meta.Tags = newTags
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

// copyChecksums gives a copy its full-object checksums, as S3 does: the
// algorithm the request names (x-amz-checksum-algorithm) replaces the
// source's checksums; otherwise the source's full-object checksums carry
// over, a composite (multipart) one becomes the full-object checksum of
// the copy (a copy is not a multipart object), and a source without any
// gains a CRC64NVME. What must be computed is computed by reading the
// source. meta nil (COPY directive), nothing to compute and not force:
// nil, the backend keeps the source's metadata as it is. It also returns
// the source's description.
func (r *req) copyChecksums(sb, sk string, meta *PutMeta, algo string, force bool) (*PutMeta, ObjectInfo, error) {
	info, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, sb, sk)
	if err != nil {
		return nil, info, err
	}
	full := map[string]string{} // canonical header -> value, of the source
	var algos []string          // to compute
	for _, a := range sigv4.ChecksumAlgos() {
		v := info.Headers[checksumHeader(a)]
		switch {
		case v == "":
		case strings.Contains(v, "-"):
			algos = append(algos, a)
		default:
			full[checksumHeader(a)] = v
		}
	}
	if algo != "" {
		algos, full = nil, map[string]string{}
		if v := info.Headers[checksumHeader(algo)]; v != "" && !strings.Contains(v, "-") {
			full[checksumHeader(algo)] = v
		} else {
			algos = []string{algo}
		}
	} else if len(algos) == 0 && len(full) == 0 {
		algos = []string{"crc64nvme"}
	}
	if meta == nil && len(algos) == 0 && !force {
		return nil, info, nil
	}
	m := meta
	if m == nil {
		m = &PutMeta{ContentType: info.ContentType, UserMeta: info.UserMeta}
	}
	hdrs := map[string]string{}
	src := m.Headers
	if meta == nil {
		src = info.Headers
	}
	for k, v := range src {
		if !strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
			hdrs[k] = v
		}
	}
	for k, v := range full {
		hdrs[k] = v
	}
	if len(algos) > 0 {
		sums, err := r.sumObject(sb, sk, algos)
		if err != nil {
			return nil, info, err
		}
		for i, a := range algos {
			hdrs[checksumHeader(a)] = sums[i]
		}
	}
	if len(algos) > 0 || len(full) > 0 {
		hdrs["X-Amz-Checksum-Type"] = ChecksumFullObject
	}
	m.Headers = hdrs
	return m, info, nil
}

// sumObject reads an object once and returns its checksums in algos.
func (r *req) sumObject(bucket, key string, algos []string) ([]string, error) {
	_, rc, err := r.s.backend.GetObject(r.ctx(), r.auth.id, bucket, key, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	ws := make([]io.Writer, len(algos))
	hs := make([]hash.Hash, len(algos))
	for i, a := range algos {
		hs[i] = sigv4.NewChecksum(a)
		ws[i] = hs[i]
	}
	if _, err := io.Copy(io.MultiWriter(ws...), rc); err != nil {
		return nil, err
	}
	out := make([]string, len(algos))
	for i := range hs {
		out[i] = sigv4.ChecksumValue(hs[i])
	}
	return out, nil
}
