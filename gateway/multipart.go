package gateway

import (
	"encoding/xml"
	"errors"

	"github.com/datamon-io/datamon/gateway/sigv4"
	"sort"
	"strconv"
	"strings"
)

// MaxPartNumber is the highest part number.
const MaxPartNumber = 10000

func (r *req) partNumber() (int, error) {
	n, err := strconv.Atoi(r.query.Get("partNumber"))
	if err != nil || n < 1 || n > MaxPartNumber {
		return 0, errf(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
	}
	return n, nil
}

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

func (r *req) createMultipartUpload() error {
	meta, err := r.putMeta()
	if err != nil {
		return err
	}
	t := strings.ToUpper(r.header("X-Amz-Checksum-Type"))
	if t == ChecksumFullObject || t == ChecksumComposite {
		meta.Headers["X-Amz-Checksum-Type"] = t
	}
	algo := strings.ToUpper(r.header("X-Amz-Checksum-Algorithm"))
	if algo != "" && sigv4.NewChecksum(strings.ToLower(algo)) == nil {
		return errf(400, "InvalidRequest", "Checksum algorithm provided is unsupported: "+algo)
	}
	id, err := r.s.backend.CreateMultipartUpload(r.ctx(), r.auth.id, r.bucket, r.key, meta)
	if err != nil {
		return err
	}
	if algo != "" { // S3 echoes the upload's checksum algorithm (and type)
		r.c.Response.Header.Set("x-amz-checksum-algorithm", algo)
		if t == "" {
			t = ChecksumComposite
			if algo == "CRC64NVME" {
				t = ChecksumFullObject
			}
		}
		r.c.Response.Header.Set("x-amz-checksum-type", t)
	}
	return r.writeXML(initiateResult{NS: s3NS, Bucket: r.bucket, Key: r.key, UploadID: id})
}

func (r *req) uploadPart() error {
	n, err := r.partNumber()
	if err != nil {
		return err
	}
	md5, err := r.contentMD5()
	if err != nil {
		return err
	}
	body, size, err := r.body()
	if err != nil {
		return err
	}
	sums := map[string]string{}
	for _, a := range sigv4.ChecksumAlgos() {
		if v := r.header("X-Amz-Checksum-" + a); v != "" {
			sums[checksumHeader(a)] = v
		}
	}
	if r.chunked != nil && r.header("X-Amz-Trailer") != "" {
		body = &trailerMeta{r: body, c: r.chunked, h: sums}
	}
	p, err := r.s.backend.UploadPart(r.ctx(), r.auth.id, r.bucket, r.key, r.query.Get("uploadId"), n, body, size, md5, sums)
	if err != nil {
		return err
	}
	r.c.Response.Header.Set("ETag", quote(p.ETag))
	r.echoChecksums()
	return r.ok(200)
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	NS           string   `xml:"xmlns,attr"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

func (r *req) uploadPartCopy() error {
	n, err := r.partNumber()
	if err != nil {
		return err
	}
	sb, sk, err := parseCopySource(r.header("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	if err := r.checkCopySource(sb, sk); err != nil {
		return err
	}
	var rng *Range
	if v := r.header("X-Amz-Copy-Source-Range"); v != "" {
		info, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, sb, sk)
		if err != nil {
			return err
		}
		if rng, err = parseCopyRange(v, info.Size); err != nil {
			return err
		}
	}
	p, err := r.s.backend.UploadPartCopy(r.ctx(), r.auth.id, r.bucket, r.key, r.query.Get("uploadId"), n, sb, sk, rng)
	if err != nil {
		return err
	}
	return r.writeXML(copyPartResult{NS: s3NS, LastModified: isoTime(p.LastModified), ETag: quote(p.ETag)})
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

// ParseCompleteMultipartUpload parses a CompleteMultipartUpload body.
func ParseCompleteMultipartUpload(b []byte) ([]Part, error) {
	var c completeRequest
	if err := xml.Unmarshal(b, &c); err != nil || len(c.Parts) == 0 || len(c.Parts) > MaxPartNumber {
		return nil, errMalformedXML
	}
	parts := make([]Part, 0, len(c.Parts))
	for _, p := range c.Parts {
		if p.PartNumber < 1 || p.PartNumber > MaxPartNumber {
			return nil, errf(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
		}
		parts = append(parts, Part{Number: p.PartNumber, ETag: strings.Trim(strings.TrimSpace(p.ETag), `"`)})
	}
	return parts, nil
}

// xmlChecksums are the Checksum* elements of part and completion results.
type xmlChecksums struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumMD5       string `xml:"ChecksumMD5,omitempty"`
	ChecksumSHA512    string `xml:"ChecksumSHA512,omitempty"`
}

func checksumsXML(h map[string]string) xmlChecksums {
	return xmlChecksums{ChecksumCRC32: h["X-Amz-Checksum-Crc32"], ChecksumCRC32C: h["X-Amz-Checksum-Crc32c"],
		ChecksumSHA1: h["X-Amz-Checksum-Sha1"], ChecksumSHA256: h["X-Amz-Checksum-Sha256"],
		ChecksumCRC64NVME: h["X-Amz-Checksum-Crc64nvme"], ChecksumMD5: h["X-Amz-Checksum-Md5"],
		ChecksumSHA512: h["X-Amz-Checksum-Sha512"]}
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	xmlChecksums
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func (r *req) completeMultipartUpload() error {
	b, err := r.smallBody(2<<20, false)
	if err != nil {
		return err
	}
	parts, err := ParseCompleteMultipartUpload(b)
	if err != nil {
		return err
	}
	uid := r.query.Get("uploadId")
	cond := Precondition{IfMatch: strings.Trim(r.header("If-Match"), `"`), IfNoneMatch: strings.Trim(r.header("If-None-Match"), `"`)}
	var info ObjectInfo
	if cond.Empty() {
		info, err = r.s.backend.CompleteMultipartUpload(r.ctx(), r.auth.id, r.bucket, r.key, uid, parts)
	} else if cc, ok := r.s.backend.(ConditionalCompleter); ok {
		info, err = cc.CompleteMultipartUploadIf(r.ctx(), r.auth.id, r.bucket, r.key, uid, parts, cond)
	} else {
		return notImplemented("conditional CompleteMultipartUpload on this backend")
	}
	if errors.Is(err, ErrNoSuchUpload) && uid != "" {
		// A retry after a lost reply whose completion the backend no
		// longer remembers (s3backend keeps completions 24 h): while the
		// object is still that upload's, answer again.
		if cur, herr := r.s.backend.HeadObject(r.ctx(), r.auth.id, r.bucket, r.key); herr == nil && cur.UploadID == uid {
			info, err = cur, nil
		}
	}
	if err != nil {
		return err
	}
	loc := r.scheme() + "://" + string(r.c.Request.Header.Host()) + "/" + r.bucket + "/" + r.key
	out := completeResult{NS: s3NS, Location: loc, Bucket: r.bucket, Key: r.key, ETag: quote(info.ETag), xmlChecksums: checksumsXML(info.Headers)}
	if out.xmlChecksums != (xmlChecksums{}) {
		out.ChecksumType = info.Headers["X-Amz-Checksum-Type"]
	}
	return r.writeXML(out)
}

func (r *req) abortMultipartUpload() error {
	if err := r.s.backend.AbortMultipartUpload(r.ctx(), r.auth.id, r.bucket, r.key, r.query.Get("uploadId")); err != nil {
		return err
	}
	return r.ok(204)
}

type xmlPart struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	xmlChecksums
}

type listPartsResult struct {
	XMLName              xml.Name  `xml:"ListPartsResult"`
	NS                   string    `xml:"xmlns,attr"`
	Bucket               string    `xml:"Bucket"`
	Key                  string    `xml:"Key"`
	UploadID             string    `xml:"UploadId"`
	Initiator            xmlOwner  `xml:"Initiator"`
	Owner                xmlOwner  `xml:"Owner"`
	StorageClass         string    `xml:"StorageClass"`
	PartNumberMarker     int       `xml:"PartNumberMarker"`
	NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
	MaxParts             int       `xml:"MaxParts"`
	IsTruncated          bool      `xml:"IsTruncated"`
	Parts                []xmlPart `xml:"Part"`
}

func (r *req) listParts() error {
	after := 0
	if v := r.query.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxPartNumber {
			return errf(400, "InvalidArgument", "part-number-marker must be an integer between 0 and 10000")
		}
		after = n
	}
	max, err := maxKeys(r.query.Get("max-parts"))
	if err != nil {
		return err
	}
	uid := r.query.Get("uploadId")
	parts, trunc, err := r.s.backend.ListParts(r.ctx(), r.auth.id, r.bucket, r.key, uid, after, max)
	if err != nil {
		return err
	}
	o := r.owner()
	out := listPartsResult{NS: s3NS, Bucket: r.bucket, Key: r.key, UploadID: uid, Initiator: o, Owner: o,
		StorageClass: "STANDARD", PartNumberMarker: after, MaxParts: max, IsTruncated: trunc}
	for _, p := range parts {
		out.Parts = append(out.Parts, xmlPart{PartNumber: p.Number, LastModified: isoTime(p.LastModified), ETag: quote(p.ETag), Size: p.Size, xmlChecksums: checksumsXML(p.Checksums)})
		out.NextPartNumberMarker = p.Number
	}
	return r.writeXML(out)
}

type xmlUpload struct {
	Key       string `xml:"Key"`
	UploadID  string `xml:"UploadId"`
	Initiated string `xml:"Initiated"`
}

type listUploadsResult struct {
	XMLName            xml.Name    `xml:"ListMultipartUploadsResult"`
	NS                 string      `xml:"xmlns,attr"`
	Bucket             string      `xml:"Bucket"`
	KeyMarker          string      `xml:"KeyMarker"`
	UploadIDMarker     string      `xml:"UploadIdMarker"`
	NextKeyMarker      string      `xml:"NextKeyMarker,omitempty"`
	NextUploadIDMarker string      `xml:"NextUploadIdMarker,omitempty"`
	EncodingType       string      `xml:"EncodingType,omitempty"`
	Prefix             string      `xml:"Prefix"`
	Delimiter          string      `xml:"Delimiter,omitempty"`
	MaxUploads         int         `xml:"MaxUploads"`
	IsTruncated        bool        `xml:"IsTruncated"`
	Uploads            []xmlUpload `xml:"Upload"`
	CommonPrefixes     []xmlPrefix `xml:"CommonPrefixes"`
}

// listMultipartUploads pages and groups in the gateway: the backend returns
// all uploads under the prefix.
func (r *req) listMultipartUploads() error {
	q := r.query
	max, err := maxKeys(q.Get("max-uploads"))
	if err != nil {
		return err
	}
	if err := listParamsValid(q, "prefix", "delimiter", "key-marker", "upload-id-marker"); err != nil {
		return err
	}
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	km, um := q.Get("key-marker"), q.Get("upload-id-marker")
	ups, err := r.s.backend.ListMultipartUploads(r.ctx(), r.auth.id, r.bucket, prefix)
	if err != nil {
		return err
	}
	sort.Slice(ups, func(i, j int) bool {
		if ups[i].Key != ups[j].Key {
			return ups[i].Key < ups[j].Key
		}
		return ups[i].UploadID < ups[j].UploadID
	})
	out := listUploadsResult{NS: s3NS, Bucket: r.bucket, KeyMarker: km, UploadIDMarker: um, Prefix: prefix, Delimiter: delim,
		MaxUploads: max, EncodingType: q.Get("encoding-type")}
	var nextKey, nextID string
	seen := map[string]bool{}
	count := 0
	for _, u := range ups {
		// key-marker without upload-id-marker includes that key's uploads
		// (as MinIO does; clients paginate with both markers).
		if !strings.HasPrefix(u.Key, prefix) || u.Key < km || (u.Key == km && um != "" && u.UploadID <= um) {
			continue
		}
		if count >= max {
			out.IsTruncated = true
			out.NextKeyMarker, out.NextUploadIDMarker = nextKey, nextID
			break
		}
		if delim != "" {
			if i := strings.Index(u.Key[len(prefix):], delim); i >= 0 {
				cp := u.Key[:len(prefix)+i+len(delim)]
				if !seen[cp] {
					seen[cp] = true
					out.CommonPrefixes = append(out.CommonPrefixes, xmlPrefix{Prefix: cp})
					count++
				}
				continue
			}
		}
		out.Uploads = append(out.Uploads, xmlUpload{Key: u.Key, UploadID: u.UploadID, Initiated: isoTime(u.Initiated)})
		nextKey, nextID = u.Key, u.UploadID
		count++
	}
	return r.writeXML(out)
}
