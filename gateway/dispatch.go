package gateway

// unsupported lists sub-resources answered NotImplemented.
var unsupported = []string{
	"policy", "tagging", "lifecycle", "cors", "website", "object-lock", "retention",
	"legal-hold", "encryption", "replication", "notification", "logging", "requestPayment",
	"accelerate", "analytics", "inventory", "metrics", "intelligent-tiering",
	"ownershipControls", "publicAccessBlock", "restore", "select", "torrent", "versions",
	"attributes", "policyStatus",
}

// dispatch routes the request to its operation.
func (r *req) dispatch() error {
	q := r.query
	for _, k := range unsupported {
		if q.Has(k) {
			return errf(501, "NotImplemented", "?"+k+" is not implemented")
		}
	}
	if v := q.Get("versionId"); v != "" && v != "null" {
		return errf(501, "NotImplemented", "object versions are not implemented")
	}
	m := string(r.c.Method())
	switch {
	case r.bucket == "":
		if m == "GET" {
			return r.listBuckets()
		}
		return errMethodNotAllowed
	case r.key == "":
		return r.bucketOp(m)
	default:
		return r.objectOp(m)
	}
}

func (r *req) bucketOp(m string) error {
	q := r.query
	switch m {
	case "GET":
		switch {
		case q.Has("location"):
			return r.getBucketLocation()
		case q.Has("versioning"):
			return r.getBucketVersioning()
		case q.Has("acl"):
			return r.getACL()
		case q.Has("uploads"):
			return r.listMultipartUploads()
		case q.Get("list-type") == "2":
			return r.listObjects(true)
		case q.Has("list-type"):
			return errf(400, "InvalidArgument", "list-type must be 2")
		}
		return r.listObjects(false)
	case "HEAD":
		return r.headBucket()
	case "PUT":
		if q.Has("acl") || q.Has("versioning") {
			return errf(501, "NotImplemented", "bucket ACLs and versioning are not implemented")
		}
		return r.createBucket()
	case "DELETE":
		return r.deleteBucket()
	case "POST":
		if q.Has("delete") {
			return r.deleteObjects()
		}
		return errf(501, "NotImplemented", "POST on a bucket is only implemented for ?delete")
	}
	return errMethodNotAllowed
}

func (r *req) objectOp(m string) error {
	q := r.query
	switch m {
	case "GET":
		switch {
		case q.Has("uploadId"):
			return r.listParts()
		case q.Has("acl"):
			return r.getObjectACL()
		}
		return r.getObject(false)
	case "HEAD":
		return r.getObject(true)
	case "PUT":
		switch {
		case q.Has("acl"):
			return errf(501, "NotImplemented", "object ACLs are not implemented")
		case q.Has("uploadId") || q.Has("partNumber"):
			if r.header("X-Amz-Copy-Source") != "" {
				return r.uploadPartCopy()
			}
			return r.uploadPart()
		case r.header("X-Amz-Copy-Source") != "":
			return r.copyObject()
		}
		return r.putObject()
	case "POST":
		switch {
		case q.Has("uploads"):
			return r.createMultipartUpload()
		case q.Has("uploadId"):
			return r.completeMultipartUpload()
		}
		return errf(501, "NotImplemented", "POST on an object is only implemented for multipart uploads")
	case "DELETE":
		if q.Has("uploadId") {
			return r.abortMultipartUpload()
		}
		return r.deleteObject()
	}
	return errMethodNotAllowed
}
