package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
)

func TestPutChunksBatch(t *testing.T) {
	ctx := context.Background()
	n, mn, c := single(t)
	var data [][]byte
	for i := range 50 {
		data = append(data, []byte(fmt.Sprintf("small chunk %d", i)))
	}
	data = append(data, nil, data[3]) // the empty chunk and a duplicate are fine
	ids, err := c.PutChunks(ctx, data)
	if err != nil || len(ids) != len(data) {
		t.Fatalf("put batch: %d ids, %v", len(ids), err)
	}
	for i, d := range data {
		if ids[i] != chunk.Sum(d) {
			t.Fatalf("id %d: %s, want %s", i, ids[i], chunk.Sum(d))
		}
		got, err := c.GetChunk(ctx, ids[i])
		if err != nil || !bytes.Equal(got, d) {
			t.Fatalf("get %d: %q %v", i, got, err)
		}
	}
	if got := n.chunks.count(); got != 51 {
		t.Fatalf("%d chunks stored, want 51", got)
	}

	// A read-only key may not write.
	rc := newClient(t, mn, readKey, "http://n1:7000")
	if _, err := rc.PutChunks(ctx, [][]byte{[]byte("not allowed")}); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("read key batch: %v", err)
	}
	// Oversized body: 413, nothing stored.
	big := [][]byte{[]byte("x"), make([]byte, testLimit)}
	if _, err := c.PutChunks(ctx, big); !errors.Is(err, client.ErrTooLarge) {
		t.Fatalf("oversized batch: %v", err)
	}
	if got := n.chunks.count(); got != 51 {
		t.Fatalf("oversized batch stored something: %d chunks", got)
	}
}

func TestPutChunksMalformed(t *testing.T) {
	n := bareNode(newMemMeta(allKeys...))
	good := api.EncodeChunkBatch([][]byte{[]byte("one"), []byte("two")})
	cases := map[string][]byte{
		"empty":            nil,
		"truncated length": good[:len(good)-5][:2],
		"length past end":  append(append([]byte(nil), good...), 0, 0, 1, 0, 'x'),
		"short last chunk": good[:len(good)-1],
	}
	for name, body := range cases {
		req := signedReq(rootKey, "POST", "/v1/chunks/batch", body, body, time.Now())
		resp := raw(n, req)
		if resp.StatusCode() != 400 || errCode(t, resp) != api.CodeInvalid {
			t.Errorf("%s: status %d body %s", name, resp.StatusCode(), resp.Body())
		}
	}
	if got := n.chunks.count(); got != 0 {
		t.Fatalf("malformed batches stored %d chunks", got)
	}
	// The same well-formed body is accepted.
	resp := raw(n, signedReq(rootKey, "POST", "/v1/chunks/batch", good, good, time.Now()))
	if resp.StatusCode() != 200 || n.chunks.count() != 2 {
		t.Fatalf("good batch: %d %s (%d chunks)", resp.StatusCode(), resp.Body(), n.chunks.count())
	}
}

func FuzzDecodeChunkBatch(f *testing.F) {
	f.Add(api.EncodeChunkBatch([][]byte{[]byte("a"), nil, []byte("bcd")}))
	f.Add([]byte{0, 0, 0, 9, 'x'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		chunks, err := api.DecodeChunkBatch(b)
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if !bytes.Equal(api.EncodeChunkBatch(chunks), b) {
			t.Fatal("decode/encode does not round-trip")
		}
	})
}
