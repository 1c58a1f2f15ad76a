package memback

import (
	"context"
	"sort"
	"strings"

	"github.com/datamon-io/datamon/gateway"
)

// ListObjects implements gateway.Backend.
func (m *Backend) ListObjects(ctx context.Context, id gateway.Identity, bk string, q gateway.ListQuery) (gateway.ListResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, bk, false)
	if err != nil {
		return gateway.ListResult{}, err
	}
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		if strings.HasPrefix(k, q.Prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	max := q.MaxKeys
	if max <= 0 || max > 1000 {
		max = 1000
	}
	var res gateway.ListResult
	lastCP := ""
	for _, k := range keys {
		if k <= q.After {
			continue
		}
		if q.Delimiter != "" {
			if i := strings.Index(k[len(q.Prefix):], q.Delimiter); i >= 0 {
				cp := k[:len(q.Prefix)+i+len(q.Delimiter)]
				if cp == lastCP || cp <= q.After {
					continue
				}
				if len(res.Objects)+len(res.CommonPrefixes) == max {
					res.IsTruncated = true
					break
				}
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				lastCP, res.Next = cp, cp
				continue
			}
		}
		if len(res.Objects)+len(res.CommonPrefixes) == max {
			res.IsTruncated = true
			break
		}
		res.Objects = append(res.Objects, copyInfo(b.objects[k].info))
		res.Next = k
	}
	return res, nil
}
