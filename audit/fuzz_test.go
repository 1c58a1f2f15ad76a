package audit

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func FuzzParseRecord(f *testing.F) {
	good, _ := rec(1, "alice", "c", "r", 200).Encode()
	f.Add(good)
	f.Add([]byte(`{"time":"2026-03-01T12:00:00Z","status":401,"code":"Unauthenticated"}`))
	f.Add([]byte(`{"time":"2026-03-01T12:00:00Z"} {"x":1}`))
	f.Add([]byte(`{"time":"2026-03-01T12:00:00Z","status":-1}`))
	f.Add([]byte(`{"user":"no time"}`))
	f.Add([]byte(`{"time":"2026-03-01T12:00:00Z","target":{"key":"\u0000"}`))
	f.Add([]byte("\n"))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := ParseRecord(line)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if r.Time.IsZero() {
			t.Fatal("parsed a record without time")
		}
		// What parses re-encodes (after Sanitize) and parses back the same.
		r.Sanitize()
		b, err := r.Encode()
		if err != nil {
			return // a valid line may exceed MaxLine once escaped
		}
		back, err := ParseRecord(b)
		if err != nil {
			t.Fatalf("re-encoded record does not parse: %v (%s)", err, b)
		}
		if !back.Time.Equal(r.Time) {
			t.Fatalf("time changed: %v -> %v", r.Time, back.Time)
		}
		back.Time = r.Time
		if !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", r, back)
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "since=2026-03-01T12:00:00Z&until=2026-03-02T00:00:00Z&user=alice&repo=c/r&limit=10",
		"repo=c/*", "repo=c", "repo=/r", "repo=a/b/c", "limit=-1", "limit=10001", "limit=x",
		"since=yesterday", "user=a&user=b", "refused=true", "refused=maybe", "bogus=1",
		"since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", "stale=true&key=AK",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if q.Limit < 0 || q.Limit > MaxLimit || q.limit() < 1 {
			t.Fatalf("limit %d accepted", q.Limit)
		}
		back, err := ParseQuery(q.Values())
		if err != nil {
			t.Fatalf("Values() of an accepted query does not parse: %v", err)
		}
		if !back.Since.Equal(q.Since) || !back.Until.Equal(q.Until) {
			t.Fatalf("times changed: %+v -> %+v", q, back)
		}
		back.Since, back.Until = q.Since, q.Until
		if back != q {
			t.Fatalf("round trip: %+v -> %+v", q, back)
		}
	})
}

func TestParseQueryErrors(t *testing.T) {
	for _, raw := range []string{"limit=x", "limit=-1", "limit=10001", "since=1h", "user=a&user=b", "nope=1",
		"repo=a/b/c", "until=2026-01-01T00:00:00Z&since=2026-01-02T00:00:00Z", "refused=perhaps"} {
		v, _ := url.ParseQuery(raw)
		if _, err := ParseQuery(v); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", raw, err)
		}
	}
	v, _ := url.ParseQuery("since=2026-03-01T12:00:00%2B01:00&user=alice&repo=c/r&limit=5&refused=true&stale=true")
	q, err := ParseQuery(v)
	want := time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)
	if err != nil || !q.Since.Equal(want) || q.User != "alice" || q.Repo != "c/r" || q.Limit != 5 || !q.Refused {
		t.Fatalf("%+v %v", q, err)
	}
}

func TestSanitizeCaps(t *testing.T) {
	r := Record{Time: time.Now(), KeyID: strings.Repeat("k", 5000), Target: Target{Key: strings.Repeat("é", 2000)}, User: "bad\xffutf8"}
	r.Sanitize()
	if len(r.KeyID) > maxShort+4 || len(r.Target.Key) > maxLong+4 || !strings.Contains(r.User, "\uFFFD") {
		t.Fatalf("not capped: %d %d %q", len(r.KeyID), len(r.Target.Key), r.User)
	}
	if _, err := r.Encode(); err != nil {
		t.Fatal(err)
	}
}

func TestMergeKeepsLatestInOrder(t *testing.T) {
	a := Result{Records: []Record{rec(1, "a", "c", "r", 200), rec(4, "a", "c", "r", 200)}}
	b := Result{Records: []Record{rec(2, "b", "c", "r", 200), rec(3, "b", "c", "r", 200)}, Skipped: 2}
	m := Merge(3, a, b)
	var got []string
	for _, r := range m.Records {
		got = append(got, r.Target.Label)
	}
	if strings.Join(got, ",") != "l2,l3,l4" || !m.Truncated || m.Skipped != 2 {
		t.Fatalf("merge: %v truncated=%v skipped=%d", got, m.Truncated, m.Skipped)
	}
}
