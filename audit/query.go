package audit

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Query limits.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

// Query selects records: Since <= time < Until (zero: unbounded), of one
// user and/or access key, about one repo ("ctx/repo") or context ("ctx" or
// "ctx/*"), refusals only when Refused. Limit keeps the latest matches
// (0: DefaultLimit; at most MaxLimit).
type Query struct {
	Since, Until time.Time
	User         string
	Key          string
	Repo         string
	Refused      bool
	Limit        int
}

// Result is a query's answer: the matches in time order.
type Result struct {
	Node    string   `json:"node,omitempty"`
	Records []Record `json:"records"`
	// Truncated: more records matched than Limit (the oldest were left out).
	Truncated bool `json:"truncated,omitempty"`
	// Skipped counts unparsable lines met (a torn tail after a crash).
	Skipped int `json:"skipped,omitempty"`
}

// query parameter names.
const (
	pSince, pUntil, pUser, pKey, pRepo, pRefused, pLimit = "since", "until", "user", "key", "repo", "refused", "limit"
)

// ParseQuery reads a query from URL parameters: since and until in RFC 3339,
// user, key, repo, refused (true/false) and limit. Unknown parameters other
// than "stale" are refused, as are repeated ones.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	for k, vs := range v {
		switch k {
		case pSince, pUntil, pUser, pKey, pRepo, pRefused, pLimit, "stale":
		default:
			return Query{}, fmt.Errorf("%w: unknown query parameter %q", ErrInvalid, k)
		}
		if len(vs) != 1 {
			return Query{}, fmt.Errorf("%w: query parameter %q given %d times", ErrInvalid, k, len(vs))
		}
	}
	var err error
	if q.Since, err = parseTime(v.Get(pSince), pSince); err != nil {
		return Query{}, err
	}
	if q.Until, err = parseTime(v.Get(pUntil), pUntil); err != nil {
		return Query{}, err
	}
	q.User, q.Key, q.Repo = v.Get(pUser), v.Get(pKey), v.Get(pRepo)
	if s := v.Get(pRefused); s != "" {
		if q.Refused, err = strconv.ParseBool(s); err != nil {
			return Query{}, fmt.Errorf("%w: refused=%q: want true or false", ErrInvalid, s)
		}
	}
	if s := v.Get(pLimit); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil {
			return Query{}, fmt.Errorf("%w: limit=%q: not a number", ErrInvalid, s)
		}
	}
	return q, q.Validate()
}

func parseTime(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s=%q: want RFC 3339 (2006-01-02T15:04:05Z)", ErrInvalid, name, s)
	}
	return t, nil
}

// Validate checks the limit, the time range and the filters' lengths.
func (q Query) Validate() error {
	switch {
	case q.Limit < 0 || q.Limit > MaxLimit:
		return fmt.Errorf("%w: limit %d: want 1..%d", ErrInvalid, q.Limit, MaxLimit)
	case !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since):
		return fmt.Errorf("%w: until %s is not after since %s", ErrInvalid, q.Until.Format(time.RFC3339), q.Since.Format(time.RFC3339))
	case len(q.User) > maxShort || len(q.Key) > maxShort || len(q.Repo) > 2*maxShort:
		return fmt.Errorf("%w: filter too long", ErrInvalid)
	case q.Repo != "" && (strings.HasPrefix(q.Repo, "/") || strings.Count(q.Repo, "/") > 1 || strings.HasSuffix(q.Repo, "/")):
		return fmt.Errorf("%w: repo %q: want ctx/repo, ctx/* or ctx", ErrInvalid, q.Repo)
	}
	return nil
}

// Values is q as URL parameters (the inverse of ParseQuery).
func (q Query) Values() url.Values {
	v := url.Values{}
	if !q.Since.IsZero() {
		v.Set(pSince, q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set(pUntil, q.Until.UTC().Format(time.RFC3339Nano))
	}
	for k, s := range map[string]string{pUser: q.User, pKey: q.Key, pRepo: q.Repo} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Refused {
		v.Set(pRefused, "true")
	}
	if q.Limit != 0 {
		v.Set(pLimit, strconv.Itoa(q.Limit))
	}
	return v
}

// limit is the effective limit.
func (q Query) limit() int {
	if q.Limit == 0 {
		return DefaultLimit
	}
	return q.Limit
}

// Match reports whether r is selected by q (ignoring Limit).
func (q Query) Match(r Record) bool {
	if !q.Since.IsZero() && r.Time.Before(q.Since) {
		return false
	}
	if !q.Until.IsZero() && !r.Time.Before(q.Until) {
		return false
	}
	if q.User != "" && r.User != q.User {
		return false
	}
	if q.Key != "" && r.KeyID != q.Key {
		return false
	}
	if q.Refused && !r.Refused {
		return false
	}
	if q.Repo != "" {
		ctx, repo, hasRepo := strings.Cut(q.Repo, "/")
		if r.Target.Context != ctx {
			return false
		}
		if hasRepo && repo != "*" && r.Target.Repo != repo {
			return false
		}
	}
	return true
}
