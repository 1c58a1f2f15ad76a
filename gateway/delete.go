package gateway

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"strings"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// MaxDeleteObjects is the most keys one DeleteObjects request may name.
const MaxDeleteObjects = 1000

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

// DeleteList is a parsed DeleteObjects request.
type DeleteList struct {
	Quiet bool
	Keys  []string
}

// ParseDeleteObjects parses a DeleteObjects body (1..1000 objects).
func ParseDeleteObjects(b []byte) (DeleteList, error) {
	var d deleteRequest
	if err := xml.Unmarshal(b, &d); err != nil || len(d.Objects) == 0 || len(d.Objects) > MaxDeleteObjects {
		return DeleteList{}, errMalformedXML
	}
	out := DeleteList{Quiet: d.Quiet}
	for _, o := range d.Objects {
		if o.VersionID != "" && o.VersionID != "null" {
			return DeleteList{}, errf(501, "NotImplemented", "deleting object versions is not implemented")
		}
		out.Keys = append(out.Keys, o.Key)
	}
	return out, nil
}

type deleteResult struct {
	XMLName xml.Name       `xml:"DeleteResult"`
	NS      string         `xml:"xmlns,attr"`
	Deleted []deletedEntry `xml:"Deleted"`
	Errors  []deleteError  `xml:"Error"`
}

type deletedEntry struct {
	Key string `xml:"Key"`
}

type deleteError struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// checkBodyDigest enforces the Content-MD5 or x-amz-checksum-* header
// DeleteObjects requires. Checksum headers are verified by r.body itself.
func (r *req) checkBodyDigest(b []byte) error {
	if v := r.header("Content-Md5"); v != "" {
		want, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(want) != md5.Size {
			return errf(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
		}
		got := md5.Sum(b)
		if !bytes.Equal(got[:], want) {
			return ErrBadDigest
		}
		return nil
	}
	for _, a := range sigv4.ChecksumAlgos() {
		if r.header("X-Amz-Checksum-"+a) != "" {
			return nil
		}
	}
	if strings.HasPrefix(r.auth.payload, "STREAMING-") && r.header("X-Amz-Trailer") != "" {
		return nil
	}
	return errf(400, "InvalidRequest", "Missing required header for this request: Content-MD5 or x-amz-checksum-*")
}

func (r *req) deleteObjects() error {
	b, err := r.smallBody(2<<20, true)
	if err != nil {
		return err
	}
	if err := r.checkBodyDigest(b); err != nil {
		return err
	}
	list, err := ParseDeleteObjects(b)
	if err != nil {
		return err
	}
	if err := r.s.backend.HeadBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	out := deleteResult{NS: s3NS}
	for _, k := range list.Keys {
		err := ValidKey(k)
		if err == nil {
			err = r.s.backend.DeleteObject(r.ctx(), r.auth.id, r.bucket, k)
		}
		if err == nil || errors.Is(err, ErrNoSuchKey) {
			if !list.Quiet {
				out.Deleted = append(out.Deleted, deletedEntry{Key: k})
			}
			continue
		}
		ae := classify(err, r.s.cfg.Unavailable)
		out.Errors = append(out.Errors, deleteError{Key: k, Code: ae.Code, Message: ae.Message})
	}
	return r.writeXML(out)
}
