package apiauth

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func testReq() Request {
	return Request{
		Method: "PUT", Path: "/v1/contexts/default/repos/r1/labels/v1",
		Query:      url.Values{"b": {"2", "1"}, "a": {"x"}},
		BodyDigest: BodyDigest([]byte(`{"bundle_id":"x"}`)),
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := testReq()
	v := Sign("AK1", "s3cret", r, now)
	h, err := ParseHeader(v)
	if err != nil {
		t.Fatal(err)
	}
	if h.Credential != "AK1" || h.Date != "2026-01-02T03:04:05Z" {
		t.Fatalf("parsed %+v", h)
	}
	if err := Verify("s3cret", h, r); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := CheckDate(h.Date, now.Add(14*time.Minute), DefaultSkew); err != nil {
		t.Fatalf("date within skew rejected: %v", err)
	}
	// Query order must not matter.
	r2 := r
	r2.Query = url.Values{"a": {"x"}, "b": {"1", "2"}}
	if err := Verify("s3cret", h, r2); err != nil {
		t.Fatalf("reordered query rejected: %v", err)
	}
}

func TestVerifyRejectsTampering(t *testing.T) {
	now := time.Now()
	r := testReq()
	h, err := ParseHeader(Sign("AK1", "s3cret", r, now))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*Request){
		"method": func(r *Request) { r.Method = "GET" },
		"path":   func(r *Request) { r.Path += "x" },
		"query":  func(r *Request) { r.Query = url.Values{"a": {"y"}} },
		"body":   func(r *Request) { r.BodyDigest = BodyDigest([]byte("other")) },
		"unsign": func(r *Request) { r.BodyDigest = UnsignedPayload },
	}
	for name, mutate := range cases {
		rr := r
		mutate(&rr)
		if err := Verify("s3cret", h, rr); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: got %v, want ErrSignature", name, err)
		}
	}
	if err := Verify("wrong", h, r); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong secret: got %v", err)
	}
	h.Signature = "zz"
	if err := Verify("s3cret", h, r); !errors.Is(err, ErrMalformed) {
		t.Errorf("non-hex signature: got %v", err)
	}
}

func TestCheckDate(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		date string
		want error
	}{
		{FormatDate(now), nil},
		{"1800000000", nil},
		{FormatDate(now.Add(-16 * time.Minute)), ErrSkew},
		{FormatDate(now.Add(16 * time.Minute)), ErrSkew},
		{"yesterday", ErrMalformed},
		{"-5", ErrMalformed},
	} {
		err := CheckDate(tc.date, now, DefaultSkew)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("CheckDate(%q) = %v, want %v", tc.date, err, tc.want)
		}
	}
}

func TestParseHeaderErrors(t *testing.T) {
	for _, v := range []string{
		"",
		"Basic abc",
		Scheme + " Credential=a, Date=b",
		Scheme + " Credential=a, Date=b, Signature=c, Credential=d",
		Scheme + " Credential=a, Date=b, Signature=c, Extra=1",
		Scheme + " Credential=a, Date=b, Signature",
		Scheme + " Credential=a, Date=b, Signature=",
		Scheme + " " + strings.Repeat("x", maxHeaderLen),
	} {
		if _, err := ParseHeader(v); err == nil {
			t.Errorf("ParseHeader(%q) accepted", v)
		}
	}
	if _, err := ParseHeader(""); !errors.Is(err, ErrMissing) {
		t.Errorf("empty header: %v", err)
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(Sign("AK", "s", testReq(), time.Unix(1_800_000_000, 0)))
	f.Add(Scheme + " Credential=a,Date=1,Signature=00")
	f.Add("Basic x")
	f.Fuzz(func(t *testing.T, v string) {
		h, err := ParseHeader(v)
		if err != nil {
			return
		}
		if h.Credential == "" || h.Date == "" || h.Signature == "" {
			t.Fatalf("accepted header with empty field: %+v", h)
		}
		// A parsed header re-formats to something that parses to the same value.
		h2, err := ParseHeader(h.String())
		if err != nil || h2 != h {
			t.Fatalf("round trip: %+v -> %+v, %v", h, h2, err)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	f.Add("2026-01-02T03:04:05Z")
	f.Add("1800000000")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseDate(s); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("unexpected error class: %v", err)
		}
	})
}
