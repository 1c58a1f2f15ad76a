package sts

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

const (
	testRole = "arn:aws:iam::datamon:role/ml-writer"
	testJWT  = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
)

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

func goodForm(extra ...string) string {
	return form(append([]string{"Action", "AssumeRoleWithWebIdentity", "Version", Version, "RoleArn", testRole,
		"RoleSessionName", "ci-job.42@x", "WebIdentityToken", testJWT}, extra...)...)
}

func TestParseRequest(t *testing.T) {
	const ct = "application/x-www-form-urlencoded; charset=utf-8"
	r, err := ParseRequest("POST", ct, nil, []byte(goodForm("DurationSeconds", "900")))
	if err != nil {
		t.Fatal(err)
	}
	if r.RoleArn != testRole || r.RoleSessionName != "ci-job.42@x" || r.WebIdentityToken != testJWT || r.DurationSeconds != 900 {
		t.Fatalf("%+v", r)
	}
	q, _ := url.ParseQuery(goodForm())
	if r, err = ParseRequest("GET", "", q, nil); err != nil || r.DurationSeconds != 0 {
		t.Fatalf("GET: %+v %v", r, err)
	}
	long := strings.Repeat("a", 65)
	cases := map[string]struct {
		method, ct, body string
		code             string
	}{
		"no action":      {"POST", ct, form("Version", Version), "MissingAction"},
		"other action":   {"POST", ct, form("Action", "AssumeRole", "Version", Version), "InvalidAction"},
		"no version":     {"POST", ct, form("Action", "AssumeRoleWithWebIdentity"), "InvalidParameterValue"},
		"old version":    {"POST", ct, form("Action", "AssumeRoleWithWebIdentity", "Version", "2010-01-01"), "InvalidParameterValue"},
		"no role":        {"POST", ct, form("Action", "AssumeRoleWithWebIdentity", "Version", Version, "RoleSessionName", "s", "WebIdentityToken", testJWT), "MissingParameter"},
		"no session":     {"POST", ct, form("Action", "AssumeRoleWithWebIdentity", "Version", Version, "RoleArn", testRole, "WebIdentityToken", testJWT), "MissingParameter"},
		"no token":       {"POST", ct, form("Action", "AssumeRoleWithWebIdentity", "Version", Version, "RoleArn", testRole, "RoleSessionName", "sess"), "MissingParameter"},
		"bad arn":        {"POST", ct, strings.Replace(goodForm(), url.QueryEscape(testRole), url.QueryEscape("arn:aws:s3:::bucket-name-xx"), 1), "ValidationError"},
		"session chars":  {"POST", ct, strings.Replace(goodForm(), "ci-job.42%40x", "a+b%2Fc", 1), "ValidationError"},
		"session short":  {"POST", ct, strings.Replace(goodForm(), "ci-job.42%40x", "a", 1), "ValidationError"},
		"session long":   {"POST", ct, strings.Replace(goodForm(), "ci-job.42%40x", long, 1), "ValidationError"},
		"duration low":   {"POST", ct, goodForm("DurationSeconds", "899"), "ValidationError"},
		"duration high":  {"POST", ct, goodForm("DurationSeconds", "43201"), "ValidationError"},
		"duration junk":  {"POST", ct, goodForm("DurationSeconds", "1h"), "ValidationError"},
		"twice":          {"POST", ct, goodForm("RoleArn", testRole), "InvalidParameterValue"},
		"session policy": {"POST", ct, goodForm("Policy", `{"Version":"2012-10-17"}`), "InvalidParameterValue"},
		"policy arns":    {"POST", ct, goodForm("PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/x"), "InvalidParameterValue"},
		"json body":      {"POST", "application/json", `{"Action":"AssumeRoleWithWebIdentity"}`, "InvalidParameterValue"},
		"bad form":       {"POST", ct, "Action=%zz", "InvalidParameterValue"},
		"PUT":            {"PUT", "", "", "InvalidAction"},
		"token too long": {"POST", ct, strings.Replace(goodForm(), testJWT, strings.Repeat("a", maxWebToken+1), 1), "ValidationError"},
	}
	for name, c := range cases {
		_, err := ParseRequest(c.method, c.ct, nil, []byte(c.body))
		var e *Error
		if !errors.As(err, &e) || e.Code != c.code || e.Status != 400 {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

// FuzzParseRequest: the parser never panics; it returns an *Error with a
// 4xx status or a request whose fields are within the limits.
func FuzzParseRequest(f *testing.F) {
	f.Add("POST", "application/x-www-form-urlencoded", "", goodForm("DurationSeconds", "3600"))
	f.Add("GET", "", goodForm(), "")
	f.Add("POST", "application/x-www-form-urlencoded", "Action=AssumeRoleWithWebIdentity", "Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3Ax%3Arole%2Fa%2Fb")
	f.Add("POST", "text/plain", "", "Action=x")
	f.Add("POST", "application/x-www-form-urlencoded", "", "%%%&&==;")
	f.Add("DELETE", "", "Action=AssumeRoleWithWebIdentity", "")
	f.Fuzz(func(t *testing.T, method, ct, rawQuery, body string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return // the gateway answers a malformed query itself
		}
		r, err := ParseRequest(method, ct, q, []byte(body))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.Code == "" {
				t.Fatalf("error %v is not a 400 STS error", err)
			}
			return
		}
		if _, _, err := splitRoleARN(r.RoleArn); err != nil {
			t.Fatalf("accepted role %q", r.RoleArn)
		}
		if len(r.RoleSessionName) < minSessionName || len(r.RoleSessionName) > maxSessionName ||
			len(r.WebIdentityToken) < minWebToken || len(r.WebIdentityToken) > maxWebToken {
			t.Fatalf("accepted out-of-range %+v", r)
		}
		if r.DurationSeconds != 0 && (r.DurationSeconds < MinDurationSeconds || r.DurationSeconds > MaxDurationSeconds) {
			t.Fatalf("accepted duration %d", r.DurationSeconds)
		}
	})
}

func TestSplitRoleARN(t *testing.T) {
	for arn, want := range map[string][2]string{
		"arn:aws:iam::datamon:role/ml":           {"datamon", "ml"},
		"arn:aws:iam::123456789012:role/p/a/ops": {"123456789012", "ops"},
	} {
		a, n, err := splitRoleARN(arn)
		if err != nil || a != want[0] || n != want[1] {
			t.Errorf("%s: %q %q %v", arn, a, n, err)
		}
	}
	for _, arn := range []string{"", "arn:aws:iam::datamon:user/x", "arn:aws:iam:us-east-1:datamon:role/x", "arn:aws:iam:::role/x", "arn:aws:iam::x:role/", "role/x"} {
		if _, _, err := splitRoleARN(arn); err == nil {
			t.Errorf("%q accepted", arn)
		}
	}
}
