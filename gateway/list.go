package gateway

import (
	"encoding/base64"
	"encoding/xml"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

type xmlObject struct {
	Key          string    `xml:"Key"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        *xmlOwner `xml:"Owner,omitempty"`
	// UserMetadata is MinIO's ListObjectsV2 extension (metadata=true).
	UserMetadata *xmlUserMeta `xml:"UserMetadata,omitempty"`
}

// xmlUserMeta marshals as <X-Amz-Meta-Name>value</X-Amz-Meta-Name>...,
// plus <content-type>, as MinIO answers metadata=true listings.
type xmlUserMeta struct {
	contentType string
	meta        map[string]string
}

func xmlNameOK(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return s != ""
}

func (m *xmlUserMeta) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	keys := make([]string, 0, len(m.meta))
	for k := range m.meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	put := func(name, v string) error {
		return enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: name}})
	}
	if m.contentType != "" {
		if err := put("content-type", m.contentType); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if name := textproto.CanonicalMIMEHeaderKey("X-Amz-Meta-" + k); xmlNameOK(name) {
			if err := put(name, m.meta[k]); err != nil {
				return err
			}
		}
	}
	return enc.EncodeToken(start.End())
}

type xmlPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResult struct {
	XMLName               xml.Name    `xml:"ListBucketResult"`
	NS                    string      `xml:"xmlns,attr"`
	Name                  string      `xml:"Name"`
	Prefix                string      `xml:"Prefix"`
	Marker                *string     `xml:"Marker,omitempty"`
	NextMarker            string      `xml:"NextMarker,omitempty"`
	ContinuationToken     *string     `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string      `xml:"NextContinuationToken,omitempty"`
	StartAfter            string      `xml:"StartAfter,omitempty"`
	KeyCount              *int        `xml:"KeyCount,omitempty"`
	MaxKeys               int         `xml:"MaxKeys"`
	Delimiter             string      `xml:"Delimiter,omitempty"`
	EncodingType          string      `xml:"EncodingType,omitempty"`
	IsTruncated           bool        `xml:"IsTruncated"`
	Contents              []xmlObject `xml:"Contents"`
	CommonPrefixes        []xmlPrefix `xml:"CommonPrefixes"`
}

// maxKeys parses max-keys / max-parts / max-uploads: default and clamp 1000.
func maxKeys(v string) (int, error) {
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errf(400, "InvalidArgument", "max-keys must be a non-negative integer")
	}
	return min(n, 1000), nil
}

// encodeToken makes an opaque continuation token of the last key.
func encodeToken(k string) string { return base64.RawURLEncoding.EncodeToString([]byte(k)) }

func decodeToken(t string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || validListParam(string(b)) != nil {
		return "", errf(400, "InvalidArgument", "The continuation token provided is incorrect")
	}
	return string(b), nil
}

// validListParam checks a listing's key-like parameter: no key can hold a
// NUL or invalid UTF-8, or be longer than MaxKeyLen, so neither can a
// prefix, delimiter or marker (S3 answers InvalidArgument).
func validListParam(v string) error {
	if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) || len(v) > MaxKeyLen {
		return errf(400, "InvalidArgument", "a listing parameter holds a NUL, invalid UTF-8 or more than 1024 bytes")
	}
	return nil
}

func listParamsValid(q url.Values, names ...string) error {
	for _, n := range names {
		if err := validListParam(q.Get(n)); err != nil {
			return errf(400, "InvalidArgument", "Invalid "+n+": it holds a NUL, invalid UTF-8 or more than 1024 bytes")
		}
	}
	return nil
}

func (r *req) listObjects(v2 bool) error {
	q := r.query
	enc := q.Get("encoding-type")
	if enc != "" && enc != "url" {
		return errf(400, "InvalidArgument", "Invalid Encoding Method specified in Request")
	}
	n, err := maxKeys(q.Get("max-keys"))
	if err != nil {
		return err
	}
	if err := listParamsValid(q, "prefix", "delimiter", "marker", "start-after"); err != nil {
		return err
	}
	lq := ListQuery{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: n, FetchOwner: q.Get("fetch-owner") == "true"}
	e := func(s string) string {
		if enc == "url" {
			return sigv4.URIEncode(s, true)
		}
		return s
	}
	out := listBucketResult{NS: s3NS, Name: r.bucket, Prefix: lq.Prefix, MaxKeys: n, Delimiter: e(lq.Delimiter), EncodingType: enc}
	if v2 {
		// v1 echoes Prefix as sent even with encoding-type=url (S3 does;
		// botocore decodes v1's Delimiter and Marker, not its Prefix).
		out.Prefix = e(lq.Prefix)
		lq.After = q.Get("start-after")
		out.StartAfter = e(lq.After)
		if q.Has("continuation-token") {
			t := q.Get("continuation-token")
			out.ContinuationToken = &t // echoed as sent, even empty (as S3 does)
			if t != "" {
				k, err := decodeToken(t)
				if err != nil {
					return err
				}
				lq.After = max(lq.After, k)
			}
		}
	} else {
		lq.After = q.Get("marker")
		m := e(lq.After)
		out.Marker = &m
		lq.FetchOwner = true
	}
	var res ListResult
	if n > 0 {
		if res, err = r.s.backend.ListObjects(r.ctx(), r.auth.id, r.bucket, lq); err != nil {
			return err
		}
	} else if err := r.s.backend.HeadBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	own := r.owner()
	for _, o := range res.Objects {
		x := xmlObject{Key: e(o.Key), LastModified: isoTime(o.LastModified), ETag: quote(o.ETag), Size: o.Size, StorageClass: "STANDARD"}
		if lq.FetchOwner {
			x.Owner = &own
		}
		if v2 && q.Get("metadata") == "true" {
			x.UserMetadata = &xmlUserMeta{contentType: o.ContentType, meta: o.UserMeta}
		}
		out.Contents = append(out.Contents, x)
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, xmlPrefix{Prefix: e(p)})
	}
	out.IsTruncated = res.IsTruncated
	if v2 {
		kc := len(out.Contents) + len(out.CommonPrefixes)
		out.KeyCount = &kc
		if res.IsTruncated {
			out.NextContinuationToken = encodeToken(res.Next)
		}
	} else if res.IsTruncated && lq.Delimiter != "" {
		out.NextMarker = e(res.Next)
	}
	return r.writeXML(out)
}
