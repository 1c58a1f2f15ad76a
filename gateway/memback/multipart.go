package memback

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/datamon-io/datamon/gateway"
)

type part struct {
	info gateway.Part
	data []byte
}

type upload struct {
	key       string
	meta      gateway.PutMeta
	initiated time.Time
	parts     map[int]*part
}

func (m *Backend) upload(id gateway.Identity, bk, key, uid string, write bool) (*bucket, *upload, error) {
	b, err := m.get(id, bk, write)
	if err != nil {
		return nil, nil, err
	}
	u, ok := b.uploads[uid]
	if !ok || u.key != key {
		return nil, nil, fmt.Errorf("memback: upload %q: %w", uid, gateway.ErrNoSuchUpload)
	}
	return b, u, nil
}

// CreateMultipartUpload implements gateway.Backend.
func (m *Backend) CreateMultipartUpload(ctx context.Context, id gateway.Identity, bk, key string, meta gateway.PutMeta) (string, error) {
	if err := gateway.ValidKey(key); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, bk, true)
	if err != nil {
		return "", err
	}
	m.seq++
	uid := fmt.Sprintf("mem-%08d-%x", m.seq, md5.Sum([]byte(key+strconv.Itoa(m.seq))))
	b.uploads[uid] = &upload{key: key, meta: meta, initiated: m.cfg.Clock().UTC(), parts: map[int]*part{}}
	return uid, nil
}

func checkNumber(n int) error {
	if n < 1 || n > 10000 {
		return fmt.Errorf("%w: part number %d", gateway.ErrInvalidArgument, n)
	}
	return nil
}

// UploadPart implements gateway.Backend.
func (m *Backend) UploadPart(ctx context.Context, id gateway.Identity, bk, key, uid string, n int, body io.Reader, size int64, contentMD5 []byte, checksums map[string]string) (gateway.Part, error) {
	if err := checkNumber(n); err != nil {
		return gateway.Part{}, err
	}
	m.mu.Lock()
	_, _, err := m.upload(id, bk, key, uid, true)
	m.mu.Unlock()
	if err != nil {
		return gateway.Part{}, err
	}
	data, etag, err := readBody(body, size, contentMD5)
	if err != nil {
		return gateway.Part{}, err
	}
	return m.storePart(id, bk, key, uid, n, data, etag, gateway.PartChecksums(checksums))
}

func (m *Backend) storePart(id gateway.Identity, bk, key, uid string, n int, data []byte, etag string, sums map[string]string) (gateway.Part, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, u, err := m.upload(id, bk, key, uid, true)
	if err != nil {
		return gateway.Part{}, err
	}
	p := &part{data: data, info: gateway.Part{Number: n, ETag: etag, Size: int64(len(data)), LastModified: m.cfg.Clock().UTC(), Checksums: sums}}
	u.parts[n] = p
	return p.info, nil
}

// UploadPartCopy implements gateway.Backend.
func (m *Backend) UploadPartCopy(ctx context.Context, id gateway.Identity, bk, key, uid string, n int, sb, sk string, rng *gateway.Range) (gateway.Part, error) {
	if err := checkNumber(n); err != nil {
		return gateway.Part{}, err
	}
	m.mu.Lock()
	src, err := m.lookup(id, sb, sk)
	m.mu.Unlock()
	if err != nil {
		return gateway.Part{}, err
	}
	data := src.data
	if rng != nil {
		if rng.Start < 0 || rng.Length < 0 || rng.Start+rng.Length > int64(len(data)) {
			return gateway.Part{}, gateway.ErrInvalidRange
		}
		data = data[rng.Start : rng.Start+rng.Length]
	}
	sum := md5.Sum(data)
	return m.storePart(id, bk, key, uid, n, data, hex.EncodeToString(sum[:]), nil)
}

// ListParts implements gateway.Backend.
func (m *Backend) ListParts(ctx context.Context, id gateway.Identity, bk, key, uid string, after, max int) ([]gateway.Part, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, u, err := m.upload(id, bk, key, uid, false)
	if err != nil {
		return nil, false, err
	}
	var nums []int
	for n := range u.parts {
		if n > after {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	trunc := false
	if max >= 0 && len(nums) > max {
		nums, trunc = nums[:max], true
	}
	out := make([]gateway.Part, 0, len(nums))
	for _, n := range nums {
		out = append(out, u.parts[n].info)
	}
	return out, trunc, nil
}

// CompleteMultipartUpload implements gateway.Backend.
func (m *Backend) CompleteMultipartUpload(ctx context.Context, id gateway.Identity, bk, key, uid string, parts []gateway.Part) (gateway.ObjectInfo, error) {
	return m.CompleteMultipartUploadIf(ctx, id, bk, key, uid, parts, gateway.Precondition{})
}

// CompleteMultipartUploadIf implements gateway.ConditionalCompleter: the
// condition is checked against the key's object under the lock that
// completes the upload.
func (m *Backend) CompleteMultipartUploadIf(ctx context.Context, id gateway.Identity, bk, key, uid string, parts []gateway.Part, cond gateway.Precondition) (gateway.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, u, err := m.upload(id, bk, key, uid, true)
	if err != nil {
		return gateway.ObjectInfo{}, err
	}
	var data bytes.Buffer
	sums := md5.New()
	stored := make([]gateway.Part, 0, len(parts))
	for i := 1; i < len(parts); i++ {
		if parts[i].Number <= parts[i-1].Number {
			return gateway.ObjectInfo{}, gateway.ErrInvalidPartOrder
		}
	}
	for i, p := range parts {
		got, ok := u.parts[p.Number]
		if !ok || !strings.EqualFold(got.info.ETag, strings.Trim(p.ETag, `"`)) {
			return gateway.ObjectInfo{}, fmt.Errorf("memback: part %d: %w", p.Number, gateway.ErrInvalidPart)
		}
		if i < len(parts)-1 && got.info.Size < m.cfg.MinPartSize {
			return gateway.ObjectInfo{}, fmt.Errorf("memback: part %d: %w", p.Number, gateway.ErrEntityTooSmall)
		}
		raw, _ := hex.DecodeString(got.info.ETag)
		sums.Write(raw)
		data.Write(got.data)
		stored = append(stored, got.info)
	}
	pre := u.meta
	pre.IfMatch, pre.IfNoneMatch = cond.IfMatch, cond.IfNoneMatch
	if err := checkPut(b.objects[key], pre); err != nil {
		return gateway.ObjectInfo{}, err
	}
	etag := hex.EncodeToString(sums.Sum(nil)) + "-" + strconv.Itoa(len(parts))
	meta := u.meta
	if cs := gateway.MultipartChecksums(u.meta.Headers, stored); cs != nil {
		meta.Headers = map[string]string{}
		for k, v := range u.meta.Headers {
			meta.Headers[k] = v
		}
		for k, v := range cs {
			meta.Headers[k] = v
		}
	}
	o := &object{data: data.Bytes(), info: infoFrom(key, int64(data.Len()), etag, m.cfg.Clock(), meta)}
	o.info.UploadID = uid
	b.objects[key] = o
	delete(b.uploads, uid)
	return copyInfo(o.info), nil
}

// AbortMultipartUpload implements gateway.Backend.
func (m *Backend) AbortMultipartUpload(ctx context.Context, id gateway.Identity, bk, key, uid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, _, err := m.upload(id, bk, key, uid, true)
	if err != nil {
		return err
	}
	delete(b.uploads, uid)
	return nil
}

// ListMultipartUploads implements gateway.Backend.
func (m *Backend) ListMultipartUploads(ctx context.Context, id gateway.Identity, bk, prefix string) ([]gateway.Upload, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, bk, false)
	if err != nil {
		return nil, err
	}
	var out []gateway.Upload
	for uid, u := range b.uploads {
		if strings.HasPrefix(u.key, prefix) {
			out = append(out, gateway.Upload{Key: u.key, UploadID: uid, Initiated: u.initiated})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Key < out[j].Key || out[i].Key == out[j].Key && out[i].UploadID < out[j].UploadID
	})
	return out, nil
}

var _ gateway.ConditionalCompleter = (*Backend)(nil)
