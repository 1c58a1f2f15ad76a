package gateway

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"time"
)

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// writeErr answers err as S3 XML (HEAD: status only).
func (r *req) writeErr(err error) {
	ae := classify(err, r.s.cfg.Unavailable)
	r.errCode = ae.Code
	lvl := r.s.log.Debug
	if ae.Status >= 500 && ae.Code != "NotImplemented" {
		lvl = r.s.log.Warn
	}
	lvl("gateway: request failed", "req", r.reqID, "method", string(r.c.Method()), "path", r.path,
		"status", ae.Status, "code", ae.Code, "err", err)
	resp := &r.c.Response
	resp.ResetBody()
	resp.SetStatusCode(ae.Status)
	if ae.Status == http.StatusServiceUnavailable {
		resp.Header.Set("Retry-After", retryAfter(r.s.cfg.RetryAfter))
	}
	if r.c.IsHead() {
		resp.SkipBody = true
		return
	}
	body := xmlError{Code: ae.Code, Message: ae.Message, Resource: r.resource(), RequestID: r.reqID, HostID: r.reqID}
	if ae.Code == "NoSuchBucket" {
		body.BucketName = r.bucket
	}
	if ae.Code == "NoSuchKey" {
		body.Key = r.key
	}
	out, _ := xml.Marshal(body)
	resp.Header.SetContentType("application/xml")
	resp.SetBodyRaw(append([]byte(xml.Header), out...))
}

// retryAfter is d in whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(max(1, int64((d+time.Second-1)/time.Second)), 10)
}

// writeXML answers 200 with v as XML.
func (r *req) writeXML(v any) error {
	out, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	r.c.Response.Header.SetContentType("application/xml")
	r.c.SetStatusCode(200)
	r.c.Response.SetBodyRaw(append([]byte(xml.Header), out...))
	return nil
}

// ok answers an empty response with status.
func (r *req) ok(status int) error {
	r.c.SetStatusCode(status)
	return nil
}

func quote(etag string) string { return `"` + etag + `"` }

func httpTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// isoTime is S3's XML timestamp format.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// scheme is the request's scheme ("https" on a TLS connection), for the
// Location of a completed upload.
func (r *req) scheme() string {
	if r.c.IsTLS() {
		return "https"
	}
	return "http"
}
