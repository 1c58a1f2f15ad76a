package gateway

// No bucket carries tags (PutBucketTagging answers NotImplemented), so
// GetBucketTagging answers what S3 answers for an untagged bucket.
func (r *req) getBucketTagging() error {
	if err := r.s.backend.HeadBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	return errf(404, "NoSuchTagSet", "The TagSet does not exist")
}

func (r *req) deleteBucketTagging() error {
	if pb, ok := r.s.backend.(PermissionBackend); ok {
		perm, err := pb.BucketPermission(r.ctx(), r.auth.id, r.bucket)
		if err != nil {
			return err
		}
		if perm == PermRead {
			return errAccessDenied
		}
	} else if err := r.s.backend.HeadBucket(r.ctx(), r.auth.id, r.bucket); err != nil {
		return err
	}
	return r.ok(204) // nothing to delete
}

func (r *req) getObjectTagging() error {
	info, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, r.bucket, r.key)
	if err != nil {
		return err
	}
	return r.writeXML(taggingXML(info.Tags))
}

func (r *req) putObjectTagging() error {
	b, err := r.smallBody(64<<10, true)
	if err != nil {
		return err
	}
	tags, err := ParseTagging(b)
	if err != nil {
		return err
	}
	return r.setObjectTags(tags, 200)
}

// setObjectTags replaces the tags of the object as it is now: the same
// content and metadata written again with the new tags, on condition the
// object did not change in between (412 otherwise; the client retries).
func (r *req) setObjectTags(tags map[string]string, status int) error {
	info, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, r.bucket, r.key)
	if err != nil {
		return err
	}
	meta := &PutMeta{ContentType: info.ContentType, UserMeta: info.UserMeta, Headers: info.Headers, Tags: tags, IfMatch: info.ETag}
	if _, err := r.s.backend.CopyObject(r.ctx(), r.auth.id, r.bucket, r.key, r.bucket, r.key, meta); err != nil {
		return err
	}
	return r.ok(status)
}
