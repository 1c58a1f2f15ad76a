// Package memback is an in-memory gateway.Backend: buckets and objects in
// maps, MD5 ETags, multipart uploads with the usual md5-of-md5s-N ETag, and
// conditional PUT. It is the reference the product backend is compared with
// in tests, and it keeps every contract of gateway.Backend: nothing becomes
// visible unless the whole body was read without error.
//
// Permissions are simple: the root identity can do anything; others need a
// grant "*/<bucket>" or "*/*" ("read" for reads, "write"/"admin" for writes).
package memback
