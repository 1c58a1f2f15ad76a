package sigv4

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// checksumAlgos lists the x-amz-checksum-* algorithms this package can
// verify: all the ones S3 defines, plus md5 and sha512 (minio-go).
var checksumAlgos = []string{"crc32", "crc32c", "sha1", "sha256", "crc64nvme", "md5", "sha512"}

// ChecksumAlgos returns the supported algorithm names (lower case).
func ChecksumAlgos() []string { return append([]string(nil), checksumAlgos...) }

// NewChecksum returns a hash for an algorithm name ("crc32", "CRC32C",
// "x-amz-checksum-sha256", ...), or nil when unknown.
func NewChecksum(name string) hash.Hash {
	switch strings.TrimPrefix(strings.ToLower(name), "x-amz-checksum-") {
	case "crc32":
		return crc32.NewIEEE()
	case "crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	case "md5":
		return md5.New()
	case "sha512":
		return sha512.New()
	case "crc64nvme":
		return crc64.New(crc64.MakeTable(0x9a6c9329ac4bc9b5))
	}
	return nil
}

// ChecksumValue is base64 of the hash sum, as the headers carry it.
func ChecksumValue(h hash.Hash) string {
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
