package gateway

import (
	"encoding/xml"
	"sort"
	"strings"
)

type xmlOwner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

func (r *req) owner() xmlOwner {
	n := r.auth.id.Name
	if n == "" {
		n = r.auth.id.AccessKey
	}
	return xmlOwner{ID: r.auth.id.AccessKey, DisplayName: n}
}

type listAllMyBucketsResult struct {
	XMLName xml.Name `xml:"ListAllMyBucketsResult"`
	NS      string   `xml:"xmlns,attr"`
	Owner   xmlOwner `xml:"Owner"`
	Buckets []xmlBkt `xml:"Buckets>Bucket"`
}

type xmlBkt struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

func (r *req) listBuckets() error {
	bs, err := r.s.backend.ListBuckets(r.ctx(), r.auth.id)
	if err != nil {
		return err
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].Name < bs[j].Name })
	out := listAllMyBucketsResult{NS: s3NS, Owner: r.owner(), Buckets: []xmlBkt{}}
	for _, b := range bs {
		out.Buckets = append(out.Buckets, xmlBkt{Name: b.Name, CreationDate: isoTime(b.Created)})
	}
	return r.writeXML(out)
}

func (r *req) createBucket() error {
	// The body (CreateBucketConfiguration/LocationConstraint) is ignored.
	if strings.EqualFold(r.header("X-Amz-Bucket-Object-Lock-Enabled"), "true") {
		return errf(501, "NotImplemented", "object lock is not implemented")
	}
	if err := r.s.backend.CreateBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	r.c.Response.Header.Set("Location", "/"+r.bucket)
	return r.ok(200)
}

func (r *req) deleteBucket() error {
	if err := r.s.backend.DeleteBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	return r.ok(204)
}

func (r *req) headBucket() error {
	if err := r.s.backend.HeadBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	r.c.Response.Header.Set("x-amz-bucket-region", r.s.cfg.Region)
	return r.ok(200)
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	NS      string   `xml:"xmlns,attr"`
	Value   string   `xml:",chardata"`
}

func (r *req) getBucketLocation() error {
	if err := r.s.backend.HeadBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	v := r.s.cfg.Region
	if v == "us-east-1" {
		v = "" // S3 answers an empty constraint for us-east-1
	}
	return r.writeXML(locationConstraint{NS: s3NS, Value: v})
}

type versioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	NS      string   `xml:"xmlns,attr"`
}

// getBucketVersioning answers "never versioned" (an empty configuration):
// rclone and other strict clients ask.
func (r *req) getBucketVersioning() error {
	if err := r.s.backend.HeadBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	return r.writeXML(versioningConfiguration{NS: s3NS})
}
