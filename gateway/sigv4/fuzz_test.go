package sigv4

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("a", 64))
	f.Add("AWS4-HMAC-SHA256 Credential=AK/2024/us/s3/aws4_request,SignedHeaders=,Signature=x")
	f.Add("AWS AK:sig")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			return
		}
		if a.Scope.AccessKey == "" || len(a.Signature) != 64 || len(a.SignedHeaders) == 0 {
			t.Fatalf("accepted %q: %+v", h, a)
		}
	})
}

func FuzzParsePresigned(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("b", 64))
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		a, err := ParsePresigned(q)
		if err != nil {
			return
		}
		if !a.Presigned || a.Expires < 0 || a.Expires > MaxPresignExpiry || a.Date.IsZero() {
			t.Fatalf("accepted %q: %+v", raw, a)
		}
		_ = CanonicalQuery(raw, "X-Amz-Signature")
	})
}

// encodeChunked writes data as aws-chunked the way the SDKs do (signed or
// not, with an optional trailing checksum).
func encodeChunked(data []byte, chunk int, cfg ChunkedConfig, trailerValue string) []byte {
	var b bytes.Buffer
	prev := cfg.Seed
	sign := func(p []byte) string {
		h := sum256(p)
		sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + cfg.Time.UTC().Format(AmzDateFormat) + "\n" + cfg.Scope.String() + "\n" + prev + "\n" + EmptySHA256 + "\n" + h
		prev = Sign(cfg.Key, sts)
		return prev
	}
	for off := 0; ; off += chunk {
		off = min(off, len(data))
		end := min(off+chunk, len(data))
		p := data[off:end]
		if cfg.Signed {
			fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", len(p), sign(p))
		} else {
			fmt.Fprintf(&b, "%x\r\n", len(p))
		}
		if len(p) == 0 {
			break
		}
		b.Write(p)
		b.WriteString("\r\n")
	}
	if cfg.Trailer != "" {
		line := cfg.Trailer + ":" + trailerValue + "\n"
		b.WriteString(cfg.Trailer + ":" + trailerValue + "\r\n")
		if cfg.Signed {
			sts := "AWS4-HMAC-SHA256-TRAILER\n" + cfg.Time.UTC().Format(AmzDateFormat) + "\n" + cfg.Scope.String() + "\n" + prev + "\n" + sum256([]byte(line))
			b.WriteString("x-amz-trailer-signature:" + Sign(cfg.Key, sts) + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func testCfg(signed bool, trailer string) ChunkedConfig {
	sc := Scope{AccessKey: "AK", Date: "20240101", Region: "us-east-1", Service: "s3"}
	return ChunkedConfig{Signed: signed, Key: SigningKey("secret", sc), Seed: strings.Repeat("0", 64),
		Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Scope: sc, Trailer: trailer}
}

func TestChunkedRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("datamon-"), 3000)
	for _, signed := range []bool{false, true} {
		for _, tr := range []string{"", "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme"} {
			if !signed && tr == "" {
				continue
			}
			cfg := testCfg(signed, tr)
			val := ""
			if tr != "" {
				h := NewChecksum(tr)
				h.Write(data)
				val = ChecksumValue(h)
			}
			enc := encodeChunked(data, 1000, cfg, val)
			cr, err := NewChunkedReader(bytes.NewReader(enc), cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(cr)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("signed=%v trailer=%s: %v (%d bytes)", signed, tr, err, len(got))
			}
			// Flip one payload byte: must fail.
			bad := bytes.Clone(enc)
			bad[bytes.Index(bad, []byte("datamon"))+2] ^= 1
			cr, _ = NewChunkedReader(bytes.NewReader(bad), cfg)
			if _, err := io.ReadAll(cr); err == nil {
				t.Fatalf("signed=%v trailer=%s: corrupted body accepted", signed, tr)
			}
			// Truncate: must fail.
			cr, _ = NewChunkedReader(bytes.NewReader(enc[:len(enc)/2]), cfg)
			if _, err := io.ReadAll(cr); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("truncated: %v", err)
			}
		}
	}
}

func FuzzChunkedReader(f *testing.F) {
	cfgs := []ChunkedConfig{testCfg(true, ""), testCfg(false, "x-amz-checksum-crc32"), testCfg(true, "x-amz-checksum-sha256")}
	for i, c := range cfgs {
		val := ""
		if c.Trailer != "" {
			h := NewChecksum(c.Trailer)
			h.Write([]byte("hello world"))
			val = ChecksumValue(h)
		}
		f.Add(uint8(i), encodeChunked([]byte("hello world"), 4, c, val))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		cfg := cfgs[int(which)%len(cfgs)]
		cr, err := NewChunkedReader(bytes.NewReader(body), cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(cr)
		if err == nil && len(got) > len(body) {
			t.Fatalf("decoded %d bytes from %d", len(got), len(body))
		}
	})
}
