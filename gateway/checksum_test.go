package gateway

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

func sumOf(algo string, b []byte) string {
	h := sigv4.NewChecksum(algo)
	h.Write(b)
	return sigv4.ChecksumValue(h)
}

func TestCombineCRC(t *testing.T) {
	data := make([]byte, 100_003)
	rand.Read(data)
	for _, algo := range []string{"crc32", "crc32c", "crc64nvme"} {
		for _, cuts := range [][]int{{0, 100_003}, {0, 1, 100_003}, {0, 7, 5000, 65536, 100_003}, {0, 50_000, 100_000, 100_003}} {
			var sums []string
			var sizes []int64
			for i := 1; i < len(cuts); i++ {
				sums = append(sums, sumOf(algo, data[cuts[i-1]:cuts[i]]))
				sizes = append(sizes, int64(cuts[i]-cuts[i-1]))
			}
			got, ok := CombineCRC(algo, sums, sizes)
			if want := sumOf(algo, data); !ok || got != want {
				t.Fatalf("%s %v: combined %q (%v), want %q", algo, cuts, got, ok, want)
			}
		}
	}
	if _, ok := CombineCRC("sha256", []string{"x"}, []int64{1}); ok {
		t.Fatal("sha256 is not combinable")
	}
}

func TestMultipartChecksums(t *testing.T) {
	p1, p2 := bytes.Repeat([]byte("a"), 10), bytes.Repeat([]byte("b"), 3)
	part := func(n int, b []byte, algos ...string) Part {
		p := Part{Number: n, Size: int64(len(b)), Checksums: map[string]string{}}
		for _, a := range algos {
			p.Checksums[checksumHeader(a)] = sumOf(a, b)
		}
		return p
	}
	// Composite: hash of the raw part digests, "-N".
	got := MultipartChecksums(nil, []Part{part(1, p1, "sha256", "crc32c"), part(2, p2, "sha256")})
	raw := func(a string, b []byte) []byte {
		v, _ := base64.StdEncoding.DecodeString(sumOf(a, b))
		return v
	}
	want := sumOf("sha256", append(raw("sha256", p1), raw("sha256", p2)...)) + "-2"
	if got["X-Amz-Checksum-Sha256"] != want || got["X-Amz-Checksum-Type"] != ChecksumComposite {
		t.Fatalf("composite: %v, want sha256 %s", got, want)
	}
	if _, ok := got["X-Amz-Checksum-Crc32c"]; ok {
		t.Fatal("crc32c is not on every part: no object checksum")
	}
	// Full object CRC on request, and always for crc64nvme.
	got = MultipartChecksums(map[string]string{"X-Amz-Checksum-Type": "FULL_OBJECT"}, []Part{part(1, p1, "crc32c"), part(2, p2, "crc32c")})
	if got["X-Amz-Checksum-Crc32c"] != sumOf("crc32c", append(append([]byte{}, p1...), p2...)) || got["X-Amz-Checksum-Type"] != ChecksumFullObject {
		t.Fatalf("full object: %v", got)
	}
	got = MultipartChecksums(nil, []Part{part(1, p1, "crc64nvme"), part(2, p2, "crc64nvme")})
	if v := got["X-Amz-Checksum-Crc64nvme"]; v != sumOf("crc64nvme", append(append([]byte{}, p1...), p2...)) || strings.Contains(v, "-") {
		t.Fatalf("crc64nvme: %v", got)
	}
	if MultipartChecksums(nil, []Part{{Number: 1}}) != nil {
		t.Fatal("no checksums: nil")
	}
}
