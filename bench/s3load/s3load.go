package s3load

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/datamon-io/datamon/bench/load"
	"github.com/datamon-io/datamon/bench/report"
)

// ErrS3 reports an S3 error answer.
var ErrS3 = errors.New("s3load: request failed")

// Target is an S3 endpoint and credentials.
type Target struct {
	Endpoint             string // http://127.0.0.1:9000
	AccessKey, SecretKey string
	Region               string // default us-east-1
	Bucket               string // default datamon-bench
	// Token, when set, is sent as "Authorization: Bearer <Token>" (a JWT
	// the datamon gateway verifies) instead of signing with the keys.
	Token string
	// TLS configures https endpoints (nil: the system's roots).
	TLS *tls.Config
}

// Config shapes a load.
type Config struct {
	Clients  int           // concurrent clients (16)
	Duration time.Duration // per phase
	Objects  int           // distinct keys per client (8)
}

type s3 struct {
	t  Target
	hc *http.Client
}

func newS3(t Target, clients int) *s3 {
	if t.Region == "" {
		t.Region = "us-east-1"
	}
	if t.Bucket == "" {
		t.Bucket = "datamon-bench"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2 * clients
	tr.DisableCompression = true
	if t.TLS != nil {
		tr.TLSClientConfig = t.TLS.Clone()
	}
	return &s3{t: t, hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

func (s *s3) do(ctx context.Context, method, path string, body []byte, sink io.Writer) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(s.t.Endpoint, "/")+path, rd)
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(body))
	if s.t.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.t.Token)
		req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
	} else {
		sign(req, s.t.AccessKey, s.t.SecretKey, s.t.Region, unsignedPayload, time.Now())
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%w: %s %s: %s: %s", ErrS3, method, path, resp.Status, bytes.TrimSpace(msg))
	}
	if sink == nil {
		sink = io.Discard
	}
	_, err = io.Copy(sink, resp.Body)
	return err
}

// Measure creates the bucket, then for 4 MiB and 4 KiB objects runs a PUT
// phase and a GET phase (of the objects just written) of cfg.Duration
// each. Names are prefix+".put4MiB" (MB/s), ".get4MiB" (MB/s), ".put4KiB"
// and ".get4KiB" (ops/s).
func Measure(ctx context.Context, t Target, cfg Config, group, prefix string) ([]report.Measurement, error) {
	cfg.Clients, cfg.Objects = max(1, cfg.Clients), max(1, cfg.Objects)
	if cfg.Duration <= 0 {
		cfg.Duration = 5 * time.Second
	}
	s := newS3(t, cfg.Clients)
	if err := s.do(ctx, http.MethodPut, "/"+s.t.Bucket, nil, nil); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		return nil, fmt.Errorf("s3load: create bucket: %w", err)
	}
	var out []report.Measurement
	for _, sz := range []struct {
		name string
		size int
		mbs  bool
	}{{"4MiB", 4 << 20, true}, {"4KiB", 4 << 10, false}} {
		body := bytes.Repeat([]byte{0xa5}, sz.size)
		for i := 0; i < len(body); i += 4096 {
			body[i] = byte(i >> 12) // not one repeated page
		}
		key := func(c, seq int) string {
			return fmt.Sprintf("/%s/%s/c%02d/o%04d", s.t.Bucket, sz.name, c, (seq+cfg.Objects)%cfg.Objects)
		}
		put := func(ctx context.Context, c, seq int) error { return s.do(ctx, http.MethodPut, key(c, seq), body, nil) }
		get := func(ctx context.Context, c, seq int) error { return s.do(ctx, http.MethodGet, key(c, seq), nil, nil) }
		for _, ph := range []struct {
			op   string
			fn   load.Op
			warm int
		}{{"put", put, cfg.Objects}, {"get", get, 1}} {
			name := prefix + "." + ph.op + sz.name
			res, err := load.Run(ctx, load.Config{Clients: cfg.Clients, Duration: cfg.Duration, Warmup: ph.warm}, ph.fn)
			if err != nil {
				out = append(out, report.Failed(group, name, unit(sz.mbs), err))
				continue
			}
			v := res.OpsPerSec
			if sz.mbs {
				v = res.OpsPerSec * float64(sz.size) / 1e6
			}
			m := report.OK(group, name, v, unit(sz.mbs)).WithNotes(fmt.Sprintf("%d clients, %d ops, p50 %.1f ms, p99 %.1f ms, %d errors",
				cfg.Clients, res.Ops, load.Ms(res.P50), load.Ms(res.P99), res.Errors))
			m.Extra = map[string]any{"p50_ms": load.Ms(res.P50), "p99_ms": load.Ms(res.P99), "ops_per_s": res.OpsPerSec}
			out = append(out, m)
		}
	}
	return out, nil
}

func unit(mbs bool) string {
	if mbs {
		return "MB/s"
	}
	return "ops/s"
}
