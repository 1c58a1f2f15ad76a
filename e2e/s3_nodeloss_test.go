package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestS3NodeLoss: a GET of a large object through node 0 keeps going (or
// resumes with a Range request, as retrying clients do) when node 2 is
// SIGKILLed mid-stream; with EC 2+1 every chunk is still readable.
func TestS3NodeLoss(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	e := newS3ep(t, c, 0)
	const B, K = "nodeloss", "big/object.bin"
	e.aws(t, "s3", "mb", "s3://"+B)
	path, data := seededFile(t, 160<<20, 501)
	e.aws(t, "s3", "cp", path, "s3://"+B+"/"+K)
	want := s3sha(data)

	h := sha256.New()
	var off int64
	resumes, killed := 0, false
	for off < int64(len(data)) {
		hdr := map[string]string{}
		if off > 0 {
			hdr["Range"] = fmt.Sprintf("bytes=%d-", off)
		}
		resp, err := httpClient().Do(e.signed(t, "GET", "/"+B+"/"+K, nil, hdr, time.Now()))
		if err != nil {
			t.Fatalf("GET at offset %d: %v", off, err)
		}
		if (off == 0 && resp.StatusCode != 200) || (off > 0 && resp.StatusCode != 206) {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Fatalf("GET at offset %d: %d %.300s", off, resp.StatusCode, b)
		}
		for {
			n, err := io.CopyN(h, resp.Body, 4<<20)
			off += n
			if !killed && off >= 24<<20 {
				// Half-read, the server is blocked on a full socket: kill a
				// node that is not serving the request.
				if err := c.Kill(2); err != nil {
					t.Fatal(err)
				}
				killed = true
				t.Logf("node 2 killed at offset %d MiB", off>>20)
				time.Sleep(500 * time.Millisecond)
			}
			if err != nil {
				if err != io.EOF {
					t.Logf("stream broke at offset %d: %v", off, err)
				}
				break
			}
			if killed {
				time.Sleep(20 * time.Millisecond) // stay slow for a while after the kill
			}
		}
		resp.Body.Close()
		if off < int64(len(data)) {
			resumes++
			if resumes > 3 {
				t.Fatalf("GET failed %d times; stopped at offset %d", resumes, off)
			}
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want || off != int64(len(data)) {
		t.Fatalf("GET across the kill: %d bytes, sha %s, want %s", off, got, want)
	}
	t.Logf("GET across node kill: %d resume(s)", resumes)
	if resumes > 0 {
		t.Errorf("the GET stream broke %d time(s) although the serving node stayed up", resumes)
	}

	// Degraded: whole-object reads through both surviving nodes, a ranged
	// read, and a HEAD still work.
	for _, n := range []int{0, 1} {
		en := newS3ep(t, c, n)
		back := filepath.Join(t.TempDir(), "back.bin")
		en.aws(t, "s3", "cp", "s3://"+B+"/"+K, back)
		if b, _ := os.ReadFile(back); s3sha(b) != want {
			t.Fatalf("degraded GET through node %d: %d bytes differ", n, len(b))
		}
	}
	out, err := e.sdk().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(B), Key: aws.String(K), Range: aws.String("bytes=100000000-100999999")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if s3sha(b) != s3sha(data[100000000:101000000]) {
		t.Fatalf("degraded ranged GET: %d bytes differ", len(b))
	}
}
