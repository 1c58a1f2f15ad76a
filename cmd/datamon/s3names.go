package main

import (
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/s3backend"
)

// Text formats of `bundle get` and `label get`: the usual line, then the
// S3 bucket names of the ref alias.
const (
	fmtBundleGet = fmtBundle + "{{range .S3Buckets}}\n  s3://{{.}}{{end}}"
	fmtLabelGet  = fmtLabel + "{{range .S3Buckets}}\n  s3://{{.}}{{end}}"
)

// bundleWithS3 is `bundle get`: the bundle and the read-only S3 buckets
// that serve it.
type bundleWithS3 struct {
	model.Bundle
	S3Buckets []string `json:"s3_buckets"`
}

// labelWithS3 is `label get`: the label and the read-only S3 buckets that
// serve it.
type labelWithS3 struct {
	model.Label
	S3Buckets []string `json:"s3_buckets"`
}

// bundleBuckets are the bucket names of a bundle's alias: the canonical
// one (lowercase, for every client), then the raw form lax path-style
// clients (aws cli, boto3) may use (repo as is, 27-character ID).
func bundleBuckets(b model.Bundle) []string {
	return s3Names(s3backend.Ref{Context: b.Context, Repo: b.Repo, Bundle: b.ID})
}

// labelBuckets are the bucket names of a label's alias, canonical first.
func labelBuckets(l model.Label) []string {
	return s3Names(s3backend.Ref{Context: l.Context, Repo: l.Repo, Label: l.Name})
}

func s3Names(r s3backend.Ref) []string {
	out := []string{s3backend.BucketName(r)}
	if raw, ok := s3backend.RawBucketName(r); ok && raw != out[0] {
		out = append(out, raw)
	}
	return out
}
