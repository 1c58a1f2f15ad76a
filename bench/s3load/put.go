package s3load

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/datamon-io/datamon/bench/load"
)

// PutRate runs a closed-loop PUT load of size-byte objects (cfg.Objects
// distinct keys per client, overwritten in turn) for cfg.Duration with
// cfg.Clients clients, creating the bucket first.
func PutRate(ctx context.Context, t Target, cfg Config, size int) (load.Result, error) {
	cfg.Clients, cfg.Objects = max(1, cfg.Clients), max(1, cfg.Objects)
	if cfg.Duration <= 0 {
		cfg.Duration = 5 * time.Second
	}
	s := newS3(t, cfg.Clients)
	if err := s.do(ctx, http.MethodPut, "/"+s.t.Bucket, nil, nil); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		return load.Result{}, fmt.Errorf("s3load: create bucket: %w", err)
	}
	body := bytes.Repeat([]byte{0x5a}, size)
	for i := 0; i < len(body); i += 4096 {
		body[i] = byte(i >> 12)
	}
	put := func(ctx context.Context, c, seq int) error {
		return s.do(ctx, http.MethodPut, fmt.Sprintf("/%s/sweep-%d/c%02d/o%04d", s.t.Bucket, size, c, (seq+cfg.Objects)%cfg.Objects), body, nil)
	}
	res, err := load.Run(ctx, load.Config{Clients: cfg.Clients, Duration: cfg.Duration, Warmup: 1}, put)
	if err != nil {
		return res, fmt.Errorf("s3load: put %d B: %w", size, err)
	}
	return res, nil
}

// getKey is the key of client c's object i of size bytes (Populate, GetRate).
func getKey(bucket string, size, c, i int) string {
	return fmt.Sprintf("/%s/get-%d/c%02d/o%04d", bucket, size, c, i)
}

// Populate PUTs cfg.Objects objects of size bytes for each of cfg.Clients
// clients into the existing bucket: the objects GetRate reads.
func Populate(ctx context.Context, t Target, cfg Config, size int) error {
	cfg.Clients, cfg.Objects = max(1, cfg.Clients), max(1, cfg.Objects)
	s := newS3(t, cfg.Clients)
	body := bytes.Repeat([]byte{0x3c}, size)
	for i := 0; i < len(body); i += 4096 {
		body[i] = byte(i >> 12)
	}
	for c := range cfg.Clients {
		for i := range cfg.Objects {
			if err := s.do(ctx, http.MethodPut, getKey(s.t.Bucket, size, c, i), body, nil); err != nil {
				return fmt.Errorf("s3load: populate: %w", err)
			}
		}
	}
	return nil
}

// GetRate runs a closed-loop GET load of the objects Populate wrote (the
// same cfg.Clients, cfg.Objects and size) for cfg.Duration.
func GetRate(ctx context.Context, t Target, cfg Config, size int) (load.Result, error) {
	cfg.Clients, cfg.Objects = max(1, cfg.Clients), max(1, cfg.Objects)
	if cfg.Duration <= 0 {
		cfg.Duration = 5 * time.Second
	}
	s := newS3(t, cfg.Clients)
	get := func(ctx context.Context, c, seq int) error {
		return s.do(ctx, http.MethodGet, getKey(s.t.Bucket, size, c, (seq+cfg.Objects)%cfg.Objects), nil, nil)
	}
	res, err := load.Run(ctx, load.Config{Clients: cfg.Clients, Duration: cfg.Duration, Warmup: 1}, get)
	if err != nil {
		return res, fmt.Errorf("s3load: get %d B: %w", size, err)
	}
	return res, nil
}
