package gateway

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// Checksum types as S3 names them (x-amz-checksum-type).
const (
	ChecksumComposite  = "COMPOSITE"
	ChecksumFullObject = "FULL_OBJECT"
)

// crcPolys are the reflected polynomials of the CRCs whose full-object
// checksum can be combined from the parts' checksums.
var crcPolys = map[string]struct {
	poly  uint64
	width uint
}{
	"crc32":     {0xedb88320, 32},
	"crc32c":    {0x82f63b78, 32},
	"crc64nvme": {0x9a6c9329ac4bc9b5, 64},
}

// multmodp multiplies a and b modulo the reflected polynomial poly (zlib).
func multmodp(a, b, poly uint64, width uint) uint64 {
	m := uint64(1) << (width - 1)
	var p uint64
	for {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		m >>= 1
		if b&1 != 0 {
			b = b>>1 ^ poly
		} else {
			b >>= 1
		}
	}
	return p
}

// crcCombine returns the CRC of A||B from crc(A), crc(B) and len(B).
func crcCombine(crc1, crc2 uint64, len2 int64, poly uint64, width uint) uint64 {
	p := uint64(1) << (width - 1)  // x^0
	sq := uint64(1) << (width - 2) // x^1
	for range 3 {                  // x^8: one byte
		sq = multmodp(sq, sq, poly, width)
	}
	for n := uint64(len2); n != 0; n >>= 1 {
		if n&1 != 0 {
			p = multmodp(sq, p, poly, width)
		}
		sq = multmodp(sq, sq, poly, width)
	}
	return multmodp(p, crc1, poly, width) ^ crc2
}

// CombineCRC combines base64 part checksums of a CRC algorithm ("crc32",
// "crc32c", "crc64nvme") into the checksum of the whole object.
func CombineCRC(algo string, sums []string, sizes []int64) (string, bool) {
	c, ok := crcPolys[algo]
	if !ok || len(sums) == 0 || len(sums) != len(sizes) {
		return "", false
	}
	var acc uint64
	for i, s := range sums {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != int(c.width/8) {
			return "", false
		}
		var v uint64
		if c.width == 32 {
			v = uint64(binary.BigEndian.Uint32(raw))
		} else {
			v = binary.BigEndian.Uint64(raw)
		}
		if i == 0 {
			acc = v
		} else {
			acc = crcCombine(acc, v, sizes[i], c.poly, c.width)
		}
	}
	out := make([]byte, c.width/8)
	if c.width == 32 {
		binary.BigEndian.PutUint32(out, uint32(acc))
	} else {
		binary.BigEndian.PutUint64(out, acc)
	}
	return base64.StdEncoding.EncodeToString(out), true
}

// MultipartChecksums computes the checksum headers of a completed multipart
// upload from its parts' checksums (Part.Checksums): for every algorithm
// all parts carry, either the composite checksum "base64(H(raw1||raw2…))-N"
// or, for CRCs when the upload asked for FULL_OBJECT (createHeaders'
// X-Amz-Checksum-Type) or for crc64nvme, the combined full-object CRC.
// The result also has X-Amz-Checksum-Type; it is empty when no algorithm
// is common to all parts.
func MultipartChecksums(createHeaders map[string]string, parts []Part) map[string]string {
	if len(parts) == 0 {
		return nil
	}
	full := strings.EqualFold(createHeaders["X-Amz-Checksum-Type"], ChecksumFullObject)
	out := map[string]string{}
	for _, a := range sigv4.ChecksumAlgos() {
		hdr := checksumHeader(a)
		sums := make([]string, 0, len(parts))
		sizes := make([]int64, 0, len(parts))
		for _, p := range parts {
			if v := p.Checksums[hdr]; v != "" {
				sums = append(sums, v)
				sizes = append(sizes, p.Size)
			}
		}
		if len(sums) != len(parts) {
			continue
		}
		if _, crc := crcPolys[a]; crc && (full || a == "crc64nvme") {
			if v, ok := CombineCRC(a, sums, sizes); ok {
				out[hdr] = v
				out["X-Amz-Checksum-Type"] = ChecksumFullObject
			}
			continue
		}
		h := sigv4.NewChecksum(a)
		ok := true
		for _, s := range sums {
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				ok = false
				break
			}
			h.Write(raw)
		}
		if ok {
			out[hdr] = sigv4.ChecksumValue(h) + "-" + strconv.Itoa(len(parts))
			out["X-Amz-Checksum-Type"] = ChecksumComposite
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// partChecksums keeps the x-amz-checksum-<algo> entries of h.
func partChecksums(h map[string]string) map[string]string {
	var out map[string]string
	for _, a := range sigv4.ChecksumAlgos() {
		if v := h[checksumHeader(a)]; v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[checksumHeader(a)] = v
		}
	}
	return out
}

// PartChecksums keeps the x-amz-checksum-<algo> entries of a map filled by
// UploadPart's checksums argument (backends store the result in Part).
func PartChecksums(h map[string]string) map[string]string { return partChecksums(h) }
