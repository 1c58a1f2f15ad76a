// Package s3load is a small S3 load generator (path-style requests signed
// with AWS Signature V4, UNSIGNED-PAYLOAD, net/http keep-alive): the same
// PUT/GET load of 4 MiB and 4 KiB objects is run against the product's
// gateway and against MinIO, so their figures compare like with like.
package s3load
