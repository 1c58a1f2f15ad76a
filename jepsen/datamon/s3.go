package datamon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/datamon-io/datamon/gateway/sigv4"
	"github.com/datamon-io/datamon/jepsen/runner"
)

// s3Error is a non-2xx S3 answer.
type s3Error struct {
	Status int
	Body   string
}

func (e *s3Error) Error() string { return fmt.Sprintf("s3: HTTP %d: %s", e.Status, e.Body) }

// s3Objects implements runner.ObjectClient over the S3 gateway (path-style
// requests, SigV4 header signing with the root key). Like caller, it fails
// over to the next node only when nothing was sent.
type s3Objects struct {
	hc     *http.Client
	nodes  []string // S3 addresses, own node first
	bucket string
	ak, sk string // signing key (the root key unless withKey)
	sent   atomic.Bool
	// resend makes writes go to the next node after an ambiguous failure
	// too (a timeout, a reset, a 5xx), the way S3 SDKs retry a PUT; the
	// write's fate is then unknown unless an answer was a 4xx.
	resend bool
}

func newS3Objects(dial dialFunc, nodes []string, first int, bucket string, timeout time.Duration) *s3Objects {
	s := &s3Objects{bucket: bucket, ak: rootAccessKey, sk: rootSecretKey}
	for i := range nodes {
		s.nodes = append(s.nodes, nodes[(first+i)%len(nodes)])
	}
	s.hc = &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return sentConn{Conn: c, sent: &s.sent}, nil
		},
		MaxIdleConnsPerHost: 4,
	}}
	return s
}

// do sends one signed request, trying nodes until one was (possibly) reached.
func (s *s3Objects) do(ctx context.Context, method, key string, query url.Values, body []byte) ([]byte, error) {
	var errs []error
	ambiguous := false // a write reached a node that may have applied it
	for _, node := range s.nodes {
		s.sent.Store(false)
		b, err := s.once(ctx, node, method, key, query, body)
		earlier := ambiguous
		ambiguous = ambiguous || (s.sent.Load() && err != nil && !notServing(err))
		// A read may go to the next node whatever happened (a 503, a
		// timeout: reads change nothing), except a definite 4xx answer
		// (NoSuchKey is an answer); a write only when nothing was sent or
		// the node refused it unprocessed (notServing: a removed, wiped node).
		var se *s3Error
		answered := errors.As(err, &se) && se.Status >= 400 && se.Status < 500
		retry := (method == http.MethodGet || s.resend) && err != nil && !answered && ctx.Err() == nil
		if err == nil || (s.sent.Load() && !retry && !notServing(err)) {
			if err != nil && earlier && method != http.MethodGet {
				// A resend's 4xx says nothing of the earlier attempt.
				return nil, maybeApplied{err}
			}
			return b, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", node, err))
		if ctx.Err() != nil {
			break
		}
	}
	if ambiguous && method != http.MethodGet {
		return nil, maybeApplied{fmt.Errorf("s3: %s %s resent to every node: %w", method, key, errors.Join(errs...))}
	}
	return nil, fmt.Errorf("%w: %w", errNotSent, errors.Join(errs...))
}

func (s *s3Objects) once(ctx context.Context, node, method, key string, query url.Values, body []byte) ([]byte, error) {
	u := url.URL{Scheme: "http", Host: node, Path: "/" + s.bucket + "/" + key, RawQuery: query.Encode()}
	if key == "" {
		u.Path = "/" + s.bucket
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(body))
	sum := sha256.Sum256(body)
	signS3(req, u.Path, hex.EncodeToString(sum[:]), s.ak, s.sk, time.Now())
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &s3Error{Status: resp.StatusCode, Body: strings.TrimSpace(string(b[:min(len(b), 300)]))}
	}
	return b, nil
}

// signS3 adds SigV4 headers (host, x-amz-content-sha256, x-amz-date).
func signS3(req *http.Request, path, payload, ak, sk string, now time.Time) {
	t := now.UTC()
	req.Header.Set("X-Amz-Date", t.Format(sigv4.AmzDateFormat))
	req.Header.Set("X-Amz-Content-Sha256", payload)
	scope := sigv4.Scope{AccessKey: ak, Date: t.Format("20060102"), Region: "us-east-1", Service: "s3"}
	signed := []string{"host", "x-amz-content-sha256", "x-amz-date"}
	cr := sigv4.CanonicalRequest(sigv4.Request{Method: req.Method, Path: path, RawQuery: req.URL.RawQuery,
		Header: func(name string) []string {
			if name == "host" {
				return []string{req.URL.Host}
			}
			return req.Header.Values(name)
		}, PayloadHash: payload}, signed, false)
	sig := sigv4.Sign(sigv4.SigningKey(sk, scope), sigv4.StringToSign(t, scope, cr))
	req.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		sigv4.Algorithm, ak, scope.String(), strings.Join(signed, ";"), sig))
}

func (s *s3Objects) Put(ctx context.Context, key string, data []byte) error {
	_, err := s.do(ctx, http.MethodPut, key, nil, data)
	return err
}

func (s *s3Objects) Get(ctx context.Context, key string) ([]byte, error) {
	return s.do(ctx, http.MethodGet, key, nil, nil)
}

// List pages through ListObjectsV2.
func (s *s3Objects) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		b, err := s.do(ctx, http.MethodGet, "", q, nil)
		if err != nil {
			return nil, err
		}
		var res struct {
			Contents []struct {
				Key string `xml:"Key"`
			} `xml:"Contents"`
			IsTruncated           bool   `xml:"IsTruncated"`
			NextContinuationToken string `xml:"NextContinuationToken"`
		}
		if err := xml.Unmarshal(b, &res); err != nil {
			return nil, fmt.Errorf("s3: list: %w", err)
		}
		for _, c := range res.Contents {
			keys = append(keys, c.Key)
		}
		if !res.IsTruncated || res.NextContinuationToken == "" {
			return keys, nil
		}
		token = res.NextContinuationToken
	}
}

// s3Definite: nothing sent, or a 4xx answer.
func s3Definite(err error) bool {
	if notServing(err) {
		return true
	}
	var se *s3Error
	if errors.As(err, &se) {
		return se.Status >= 400 && se.Status < 500 && se.Status != http.StatusRequestTimeout && se.Status != http.StatusTooManyRequests
	}
	return errors.Is(err, errNotSent)
}

// setFactory creates the bucket (a repo) and builds the object-set workload
// over the S3 gateway. It refuses to start when the node does not serve S3.
func setFactory(cfg Config) runner.WorkloadFactory {
	return func(env runner.WorkloadEnv) (runner.Workload, error) {
		var s3nodes []string
		for _, n := range env.Cluster.Nodes() {
			s3nodes = append(s3nodes, n.Endpoints().S3)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := env.Dial(ctx, "tcp", s3nodes[0])
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrNoS3, s3nodes[0], err)
		}
		_ = conn.Close()
		sc, err := setupClient(env.Dial, apis(env.Cluster))
		if err != nil {
			return nil, err
		}
		if err := ensureRepo(ctx, sc, cfg.Context, cfg.ObjectRepo); err != nil {
			return nil, err
		}
		return runner.NewSetWorkload(runner.SetWorkloadConfig{
			Definite: s3Definite, FinalFetch: cfg.FinalFetch,
			NewClient: func(env runner.WorkloadEnv, p int) runner.ObjectClient {
				s := newS3Objects(env.Dial, s3nodes, p, cfg.ObjectRepo, env.OpTimeout)
				s.resend = cfg.ClientRetries.on(p)
				return s
			},
		})(env)
	}
}
