package model

import (
	"fmt"
	"unicode/utf8"
)

// RepoS3 is the bucket configuration of a repo's S3 bucket, kept with the
// repo in Raft: what PutBucketTagging sets. The gateway checks S3's
// syntax rules; ValidateRepoS3 bounds what a command may store.
type RepoS3 struct {
	// Tags are the bucket's tags (at most MaxBucketTags).
	Tags map[string]string `json:"tags,omitempty"`
}

// MaxBucketTags is the most tags a bucket carries (S3's limit).
const MaxBucketTags = 50

// Empty reports whether c configures nothing.
func (c *RepoS3) Empty() bool { return c == nil || len(c.Tags) == 0 }

// ValidateRepoS3 checks the bounds of a bucket configuration: at most
// MaxBucketTags tags, keys of 1 to 128 and values of at most 256 UTF-8
// characters.
func ValidateRepoS3(c *RepoS3) error {
	if c == nil {
		return nil
	}
	if len(c.Tags) > MaxBucketTags {
		return fmt.Errorf("%w: %d bucket tags, at most %d", ErrInvalid, len(c.Tags), MaxBucketTags)
	}
	for k, v := range c.Tags {
		if k == "" || !utf8.ValidString(k) || utf8.RuneCountInString(k) > 128 {
			return fmt.Errorf("%w: bucket tag key %q (1 to 128 characters)", ErrInvalid, k)
		}
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > 256 {
			return fmt.Errorf("%w: bucket tag %q: value longer than 256 characters", ErrInvalid, k)
		}
	}
	return nil
}
