package gateway

// GetBucketTagging answers the bucket's tags; an untagged bucket answers
// NoSuchTagSet, as S3 does.
func (r *req) getBucketTagging() error {
	tags, err := r.s.backend.GetBucketTags(r.ctx(), r.auth.id, r.bucket)
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		return errf(404, "NoSuchTagSet", "The TagSet does not exist")
	}
	return r.writeXML(taggingXML(tags))
}

// PutBucketTagging replaces the bucket's tags (204, as S3 answers).
func (r *req) putBucketTagging() error {
	b, err := r.smallBody(64<<10, true)
	if err != nil {
		return err
	}
	tags, err := ParseBucketTagging(b)
	if err != nil {
		return err
	}
	if err := r.s.backend.PutBucketTags(r.ctx(), r.auth.id, r.bucket, tags); err != nil {
		return err
	}
	return r.ok(204)
}

// DeleteBucketTagging removes the bucket's tags (204 whether it had any).
func (r *req) deleteBucketTagging() error {
	if err := r.s.backend.PutBucketTags(r.ctx(), r.auth.id, r.bucket, nil); err != nil {
		return err
	}
	return r.ok(204)
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
