package s3backend

import (
	"bytes"
	"testing"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/gateway/sigv4"
)

func checksumOf(algo string, b []byte) string {
	h := sigv4.NewChecksum(algo)
	h.Write(b)
	return sigv4.ChecksumValue(h)
}

// TestMultipartChecksums: part checksums are stored with the parts (and
// listed), and the completed object carries the full-object CRC (asked for
// at creation) and the composite SHA-256, through Raft and on HEAD.
func TestMultipartChecksums(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.mkBucket("cs")
	ctx, id := e.ctx, e.root
	up, err := e.b.CreateMultipartUpload(ctx, id, "cs", "obj", gateway.PutMeta{Headers: map[string]string{"X-Amz-Checksum-Type": "FULL_OBJECT"}})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{data(1, 9000), data(2, 123)}
	var listed []gateway.Part
	var whole []byte
	for i, p := range parts {
		sums := map[string]string{"X-Amz-Checksum-Crc32c": checksumOf("crc32c", p), "X-Amz-Checksum-Sha256": checksumOf("sha256", p), "X-Amz-Checksum-Type": "FULL_OBJECT"}
		pi, err := e.b.UploadPart(ctx, id, "cs", "obj", up, i+1, bytes.NewReader(p), int64(len(p)), nil, sums)
		if err != nil {
			t.Fatal(err)
		}
		if len(pi.Checksums) != 2 || pi.Checksums["X-Amz-Checksum-Sha256"] != sums["X-Amz-Checksum-Sha256"] {
			t.Fatalf("part checksums: %v", pi.Checksums)
		}
		listed = append(listed, gateway.Part{Number: pi.Number, ETag: pi.ETag})
		whole = append(whole, p...)
	}
	ps, _, err := e.b.ListParts(ctx, id, "cs", "obj", up, 0, 10)
	if err != nil || len(ps) != 2 || ps[1].Checksums["X-Amz-Checksum-Crc32c"] != checksumOf("crc32c", parts[1]) {
		t.Fatalf("list parts: %+v %v", ps, err)
	}
	info, err := e.b.CompleteMultipartUpload(ctx, id, "cs", "obj", up, listed)
	if err != nil {
		t.Fatal(err)
	}
	shaParts := sigv4.NewChecksum("sha256")
	for _, p := range parts {
		raw := sigv4.NewChecksum("sha256")
		raw.Write(p)
		shaParts.Write(raw.Sum(nil))
	}
	want := map[string]string{"X-Amz-Checksum-Crc32c": checksumOf("crc32c", whole), "X-Amz-Checksum-Sha256": sigv4.ChecksumValue(shaParts) + "-2"}
	head, err := e.b.HeadObject(ctx, id, "cs", "obj")
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []map[string]string{info.Headers, head.Headers} {
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s = %q, want %q (%v)", k, got[k], v, got)
			}
		}
	}
	// Parts without checksums (as recorded before checksums were kept):
	// no object checksum.
	up2, err := e.b.CreateMultipartUpload(ctx, id, "cs", "plain", gateway.PutMeta{})
	if err != nil {
		t.Fatal(err)
	}
	pi, err := e.b.UploadPart(ctx, id, "cs", "plain", up2, 1, bytes.NewReader(parts[0]), int64(len(parts[0])), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err = e.b.CompleteMultipartUpload(ctx, id, "cs", "plain", up2, []gateway.Part{{Number: 1, ETag: pi.ETag}})
	if err != nil || info.Headers["X-Amz-Checksum-Crc32c"] != "" {
		t.Fatalf("plain: %v %v", info.Headers, err)
	}
}
