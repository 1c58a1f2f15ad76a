package gateway

import (
	"encoding/xml"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Object tags: at most MaxTags key/value labels per object, stored with the
// object (they survive commit and are served through read-only aliases).
// They come from x-amz-tagging (PUT, CreateMultipartUpload, CopyObject
// with x-amz-tagging-directive REPLACE, POST forms) or PutObjectTagging.

// MaxTags is the most tags an object may carry (S3's limit).
const MaxTags = 10

func errInvalidTag(msg string) error { return errf(400, "InvalidTag", msg) }

// ValidateTags checks S3's tag rules: at most MaxTags, keys 1..128 and
// values 0..256 characters of letters, digits, spaces and + - = . _ : / @,
// no key starting with "aws:".
func ValidateTags(tags map[string]string) error {
	if len(tags) > MaxTags {
		return errf(400, "BadRequest", "Object tags cannot be greater than 10")
	}
	return validateTagSet(tags)
}

// MaxBucketTags is the most tags a bucket may carry (S3's limit).
const MaxBucketTags = 50

// ValidateBucketTags checks a bucket's tag set: S3's rules for tags
// (ValidateTags) with at most MaxBucketTags of them.
func ValidateBucketTags(tags map[string]string) error {
	if len(tags) > MaxBucketTags {
		return errInvalidTag("Bucket tag count cannot be greater than 50")
	}
	return validateTagSet(tags)
}

func validateTagSet(tags map[string]string) error {
	for k, v := range tags {
		if k == "" || utf8.RuneCountInString(k) > 128 || !tagChars(k) {
			return errInvalidTag("The TagKey you have provided is invalid")
		}
		if utf8.RuneCountInString(v) > 256 || !tagChars(v) {
			return errInvalidTag("The TagValue you have provided is invalid")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return errInvalidTag("Your TagKey cannot be prefixed with aws:")
		}
	}
	return nil
}

func tagChars(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && !strings.ContainsRune(" +-=._:/@", c) {
			return false
		}
	}
	return true
}

// ParseTaggingHeader parses x-amz-tagging ("k1=v1&k2=v2", URL-encoded).
func ParseTaggingHeader(h string) (map[string]string, error) {
	vals, err := url.ParseQuery(h)
	if err != nil {
		return nil, errInvalidTag("The x-amz-tagging header is not a valid URL-encoded query")
	}
	tags := map[string]string{}
	for k, vs := range vals {
		if len(vs) != 1 {
			return nil, errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		tags[k] = vs[0]
	}
	if err := ValidateTags(tags); err != nil {
		return nil, err
	}
	return tags, nil
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	Tags    []xmlTag `xml:"TagSet>Tag"`
}

// ParseTagging parses a PutObjectTagging body.
func ParseTagging(b []byte) (map[string]string, error) {
	tags, err := parseTagSet(b)
	if err != nil {
		return nil, err
	}
	if err := ValidateTags(tags); err != nil {
		return nil, err
	}
	return tags, nil
}

// ParseBucketTagging parses a PutBucketTagging body (ValidateBucketTags).
func ParseBucketTagging(b []byte) (map[string]string, error) {
	tags, err := parseTagSet(b)
	if err != nil {
		return nil, err
	}
	if err := ValidateBucketTags(tags); err != nil {
		return nil, err
	}
	return tags, nil
}

// parseTagSet decodes a Tagging document; duplicate keys are refused.
func parseTagSet(b []byte) (map[string]string, error) {
	var t tagging
	if err := xml.Unmarshal(b, &t); err != nil {
		return nil, errMalformedXML
	}
	tags := map[string]string{}
	for _, x := range t.Tags {
		if _, dup := tags[x.Key]; dup {
			return nil, errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		tags[x.Key] = x.Value
	}
	return tags, nil
}

func taggingXML(tags map[string]string) tagging {
	out := tagging{NS: s3NS, Tags: []xmlTag{}}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Tags = append(out.Tags, xmlTag{Key: k, Value: tags[k]})
	}
	return out
}
