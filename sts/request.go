package sts

import (
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
)

// Version is the STS API version the service speaks.
const Version = "2011-06-15"

// Parameter limits (AWS's).
const (
	minSessionName, maxSessionName = 2, 64
	minWebToken, maxWebToken       = 4, 20000
	maxRoleARN                     = 2048
)

// AssumeRoleRequest is a parsed AssumeRoleWithWebIdentity request.
type AssumeRoleRequest struct {
	RoleArn          string
	RoleSessionName  string
	WebIdentityToken string
	// DurationSeconds is the requested lifetime (0: not given).
	DurationSeconds int
}

// Error is an STS error answer.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("sts: %s: %s", e.Code, e.Message) }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// known parameters: anything else is refused, so that a session policy
// (Policy, PolicyArns.member.N) the caller relies on is never silently ignored.
var known = map[string]bool{
	"Action": true, "Version": true, "RoleArn": true, "RoleSessionName": true,
	"WebIdentityToken": true, "DurationSeconds": true, "ProviderId": true,
}

// ParseRequest parses an STS query request: the parameters come from the
// URL query and, for a POST with an application/x-www-form-urlencoded body,
// from the body; each may appear once. Only AssumeRoleWithWebIdentity of
// version 2011-06-15 is served.
func ParseRequest(method, contentType string, query url.Values, body []byte) (AssumeRoleRequest, error) {
	params := url.Values{}
	for k, v := range query {
		params[k] = append(params[k], v...)
	}
	if method == "POST" && len(body) > 0 {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return AssumeRoleRequest{}, errorf(400, "InvalidParameterValue", "the body must be application/x-www-form-urlencoded")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return AssumeRoleRequest{}, errorf(400, "InvalidParameterValue", "malformed form body")
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	} else if method != "POST" && method != "GET" {
		return AssumeRoleRequest{}, errorf(400, "InvalidAction", "method %s is not allowed; use POST or GET", method)
	}
	get := func(name string) (string, error) {
		switch v := params[name]; len(v) {
		case 0:
			return "", nil
		case 1:
			return v[0], nil
		}
		return "", errorf(400, "InvalidParameterValue", "parameter %s given more than once", name)
	}
	for k := range params {
		if !known[k] {
			return AssumeRoleRequest{}, errorf(400, "InvalidParameterValue", "parameter %.64q is not supported", k)
		}
	}
	action, err := get("Action")
	if err != nil {
		return AssumeRoleRequest{}, err
	}
	switch action {
	case "AssumeRoleWithWebIdentity":
	case "":
		return AssumeRoleRequest{}, errorf(400, "MissingAction", "the Action parameter is required")
	default:
		return AssumeRoleRequest{}, errorf(400, "InvalidAction", "action %.64q is not valid for this web service; only AssumeRoleWithWebIdentity is served", action)
	}
	if v, err := get("Version"); err != nil {
		return AssumeRoleRequest{}, err
	} else if v != Version {
		return AssumeRoleRequest{}, errorf(400, "InvalidParameterValue", "Version must be %s", Version)
	}
	var r AssumeRoleRequest
	for _, p := range []struct {
		name     string
		dst      *string
		min, max int
	}{
		{"RoleArn", &r.RoleArn, 20, maxRoleARN},
		{"RoleSessionName", &r.RoleSessionName, minSessionName, maxSessionName},
		{"WebIdentityToken", &r.WebIdentityToken, minWebToken, maxWebToken},
	} {
		v, err := get(p.name)
		if err != nil {
			return AssumeRoleRequest{}, err
		}
		if v == "" {
			return AssumeRoleRequest{}, errorf(400, "MissingParameter", "the request must contain the parameter %s", p.name)
		}
		if len(v) < p.min || len(v) > p.max {
			return AssumeRoleRequest{}, errorf(400, "ValidationError", "%s must be %d to %d characters long", p.name, p.min, p.max)
		}
		*p.dst = v
	}
	if _, _, err := splitRoleARN(r.RoleArn); err != nil {
		return AssumeRoleRequest{}, errorf(400, "ValidationError", "%v", err)
	}
	if strings.Trim(r.RoleSessionName, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-") != "" {
		return AssumeRoleRequest{}, errorf(400, "ValidationError", "RoleSessionName may contain only letters, digits and _+=,.@-")
	}
	d, err := get("DurationSeconds")
	if err != nil {
		return AssumeRoleRequest{}, err
	}
	if d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < MinDurationSeconds || n > MaxDurationSeconds {
			return AssumeRoleRequest{}, errorf(400, "ValidationError", "DurationSeconds must be an integer from %d to %d", MinDurationSeconds, MaxDurationSeconds)
		}
		r.DurationSeconds = n
	}
	if _, err := get("ProviderId"); err != nil {
		return AssumeRoleRequest{}, err
	}
	return r, nil
}
