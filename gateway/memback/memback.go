package memback

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/datamon-io/datamon/gateway"
)

// Config configures a Backend.
type Config struct {
	// Clock (default time.Now).
	Clock func() time.Time
	// MinPartSize is the smallest non-final part (default 5 MiB).
	MinPartSize int64
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{Clock: time.Now, MinPartSize: 5 << 20} }

// ErrInvalidConfig is returned by Validate.
var ErrInvalidConfig = errors.New("memback: invalid config")

// Validate checks the config.
func (c Config) Validate() error {
	if c.MinPartSize < 0 {
		return fmt.Errorf("%w: MinPartSize %d", ErrInvalidConfig, c.MinPartSize)
	}
	return nil
}

type object struct {
	info gateway.ObjectInfo
	data []byte
}

type bucket struct {
	created time.Time
	tags    map[string]string
	objects map[string]*object
	uploads map[string]*upload
}

// Backend is the in-memory gateway.Backend.
type Backend struct {
	cfg     Config
	mu      sync.Mutex
	buckets map[string]*bucket
	seq     int
}

var _ gateway.Backend = (*Backend)(nil)

// New returns an empty Backend.
func New(cfg Config) (*Backend, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Backend{cfg: cfg, buckets: map[string]*bucket{}}, nil
}

func allowed(id gateway.Identity, b string, write bool) bool {
	if id.Root {
		return true
	}
	for _, k := range []string{"*/" + b, "*/*"} {
		switch id.Grants[k] {
		case "admin", "write":
			return true
		case "read":
			if !write {
				return true
			}
		}
	}
	return false
}

// get returns the bucket after the permission check (caller holds mu).
func (m *Backend) get(id gateway.Identity, name string, write bool) (*bucket, error) {
	b, ok := m.buckets[name]
	if !ok {
		return nil, fmt.Errorf("memback: %s: %w", name, gateway.ErrNoSuchBucket)
	}
	if !allowed(id, name, write) {
		return nil, fmt.Errorf("memback: %s: %w", name, gateway.ErrAccessDenied)
	}
	return b, nil
}

// ListBuckets implements gateway.Backend.
func (m *Backend) ListBuckets(ctx context.Context, id gateway.Identity) ([]gateway.BucketInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []gateway.BucketInfo
	for n, b := range m.buckets {
		if allowed(id, n, false) {
			out = append(out, gateway.BucketInfo{Name: n, Created: b.created})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateBucket implements gateway.Backend.
func (m *Backend) CreateBucket(ctx context.Context, id gateway.Identity, name string) error {
	if err := gateway.ValidBucketName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !allowed(id, name, true) {
		return gateway.ErrAccessDenied
	}
	if _, ok := m.buckets[name]; ok {
		return fmt.Errorf("memback: %s: %w", name, gateway.ErrBucketExists)
	}
	m.buckets[name] = &bucket{created: m.cfg.Clock(), objects: map[string]*object{}, uploads: map[string]*upload{}}
	return nil
}

// DeleteBucket implements gateway.Backend.
func (m *Backend) DeleteBucket(ctx context.Context, id gateway.Identity, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, name, true)
	if err != nil {
		return err
	}
	if len(b.objects) > 0 || len(b.uploads) > 0 {
		return gateway.ErrBucketNotEmpty
	}
	delete(m.buckets, name)
	return nil
}

// HeadBucket implements gateway.Backend.
func (m *Backend) HeadBucket(ctx context.Context, id gateway.Identity, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.get(id, name, false)
	return err
}

func (m *Backend) lookup(id gateway.Identity, bk, key string) (*object, error) {
	b, err := m.get(id, bk, false)
	if err != nil {
		return nil, err
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, fmt.Errorf("memback: %s/%s: %w", bk, key, gateway.ErrNoSuchKey)
	}
	return o, nil
}

// HeadObject implements gateway.Backend.
func (m *Backend) HeadObject(ctx context.Context, id gateway.Identity, bk, key string) (gateway.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, err := m.lookup(id, bk, key)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	return copyInfo(o.info), nil
}

// GetObject implements gateway.Backend.
func (m *Backend) GetObject(ctx context.Context, id gateway.Identity, bk, key string, rng *gateway.Range) (gateway.ObjectInfo, io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, err := m.lookup(id, bk, key)
	if err != nil {
		return gateway.ObjectInfo{}, nil, err
	}
	data := o.data
	if rng != nil {
		if rng.Start < 0 || rng.Length < 0 || rng.Start+rng.Length > int64(len(data)) {
			return gateway.ObjectInfo{}, nil, gateway.ErrInvalidRange
		}
		data = data[rng.Start : rng.Start+rng.Length]
	}
	return copyInfo(o.info), io.NopCloser(bytes.NewReader(data)), nil
}

// readBody reads exactly size bytes and checks the optional MD5.
func readBody(body io.Reader, size int64, contentMD5 []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(&buf, h), io.LimitReader(body, size))
	if err != nil {
		return nil, "", fmt.Errorf("memback: read body: %w", err)
	}
	if n < size {
		return nil, "", gateway.ErrIncompleteBody
	}
	sum := h.Sum(nil)
	if contentMD5 != nil && !bytes.Equal(sum, contentMD5) {
		return nil, "", gateway.ErrBadDigest
	}
	return buf.Bytes(), hex.EncodeToString(sum), nil
}

func checkPut(cur *object, meta gateway.PutMeta) error {
	inm := strings.Trim(meta.IfNoneMatch, `"`)
	if cur != nil && (inm == "*" || inm != "" && inm == cur.info.ETag) {
		return gateway.ErrPreconditionFailed
	}
	if meta.IfMatch != "" && (cur == nil || (meta.IfMatch != "*" && cur.info.ETag != meta.IfMatch)) {
		if cur == nil {
			return gateway.ErrNoSuchKey
		}
		return gateway.ErrPreconditionFailed
	}
	return nil
}

// PutObject implements gateway.Backend.
func (m *Backend) PutObject(ctx context.Context, id gateway.Identity, bk, key string, body io.Reader, size int64, meta gateway.PutMeta) (gateway.ObjectInfo, error) {
	if err := gateway.ValidKey(key); err != nil {
		return gateway.ObjectInfo{}, err
	}
	m.mu.Lock()
	_, err := m.get(id, bk, true)
	m.mu.Unlock()
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	data, etag, err := readBody(body, size, meta.ContentMD5)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, bk, true)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	if err := checkPut(b.objects[key], meta); err != nil {
		return gateway.ObjectInfo{}, err
	}
	o := &object{data: data, info: infoFrom(key, int64(len(data)), etag, m.cfg.Clock(), meta)}
	b.objects[key] = o
	return copyInfo(o.info), nil
}

func infoFrom(key string, size int64, etag string, now time.Time, meta gateway.PutMeta) gateway.ObjectInfo {
	ct := meta.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	return copyInfo(gateway.ObjectInfo{Key: key, Size: size, ETag: etag, LastModified: now.UTC().Truncate(time.Millisecond),
		ContentType: ct, UserMeta: meta.UserMeta, Headers: meta.Headers, Tags: meta.Tags})
}

func copyInfo(i gateway.ObjectInfo) gateway.ObjectInfo {
	um, hs := map[string]string{}, map[string]string{}
	for k, v := range i.UserMeta {
		um[strings.ToLower(k)] = v
	}
	for k, v := range i.Headers {
		hs[k] = v
	}
	i.UserMeta, i.Headers = um, hs
	if i.Tags != nil {
		ts := make(map[string]string, len(i.Tags))
		for k, v := range i.Tags {
			ts[k] = v
		}
		i.Tags = ts
	}
	return i
}

// CopyObject implements gateway.Backend (the data slice is shared, not copied).
func (m *Backend) CopyObject(ctx context.Context, id gateway.Identity, sb, sk, db, dk string, meta *gateway.PutMeta) (gateway.ObjectInfo, error) {
	if err := gateway.ValidKey(dk); err != nil {
		return gateway.ObjectInfo{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	src, err := m.lookup(id, sb, sk)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	dst, err := m.get(id, db, true)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	info := copyInfo(src.info)
	if meta != nil {
		info = infoFrom(dk, info.Size, info.ETag, m.cfg.Clock(), *meta)
	}
	info.Key, info.LastModified, info.UploadID = dk, m.cfg.Clock().UTC().Truncate(time.Millisecond), ""
	dst.objects[dk] = &object{data: src.data, info: info}
	return copyInfo(info), nil
}

// DeleteObject implements gateway.Backend.
func (m *Backend) DeleteObject(ctx context.Context, id gateway.Identity, bk, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, bk, true)
	if err != nil {
		return err
	}
	delete(b.objects, key)
	return nil
}

// DeleteObjectIf implements gateway.ConditionalDeleter.
func (m *Backend) DeleteObjectIf(ctx context.Context, id gateway.Identity, bk, key string, cond gateway.Precondition) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, bk, true)
	if err != nil {
		return err
	}
	cur := b.objects[key]
	switch {
	case cond.IfMatch != "" && cur == nil:
		return fmt.Errorf("memback: %s: %w", key, gateway.ErrNoSuchKey)
	case cond.IfMatch != "" && cond.IfMatch != "*" && cur.info.ETag != cond.IfMatch:
		return fmt.Errorf("memback: %s: %w", key, gateway.ErrPreconditionFailed)
	}
	delete(b.objects, key)
	return nil
}

var _ gateway.ConditionalDeleter = (*Backend)(nil)

// BucketPermission implements gateway.PermissionBackend.
func (m *Backend) BucketPermission(ctx context.Context, id gateway.Identity, bk string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.get(id, bk, false); err != nil {
		return "", err
	}
	if id.Root {
		return gateway.PermAdmin, nil
	}
	perm := gateway.PermRead
	for _, k := range []string{"*/" + bk, "*/*"} {
		switch id.Grants[k] {
		case "admin":
			return gateway.PermAdmin, nil
		case "write":
			perm = gateway.PermWrite
		}
	}
	return perm, nil
}
