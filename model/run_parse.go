package model

import (
	"fmt"
	"strings"
)

// ParseParam parses "key=value" (the CLI's --param and --tag): the key is
// everything before the first '=', the value may be empty or contain '='.
func ParseParam(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", fmt.Errorf("%w: %q is not key=value", ErrInvalid, s)
	}
	if err := ValidateRunKey("param", k); err != nil {
		return "", "", err
	}
	if err := checkText("param "+k, v, RunMaxValue); err != nil {
		return "", "", err
	}
	return k, v, nil
}

// ParseInputRef parses the CLI's input syntax [context/]repo@ref[:path]
// (ref: a label or a bundle ID; names never contain '/', '@' or ':').
func ParseInputRef(s string) (InputRef, error) {
	var r InputRef
	head, path, _ := strings.Cut(s, ":")
	name, ref, ok := strings.Cut(head, "@")
	if !ok {
		return r, fmt.Errorf("%w: input %q is not [context/]repo@label-or-bundle[:path]", ErrInvalid, s)
	}
	if c, repo, ok := strings.Cut(name, "/"); ok {
		r.Context, name = c, repo
		if r.Context == "" {
			return r, fmt.Errorf("%w: input %q has an empty context", ErrInvalid, s)
		}
	}
	r.Repo, r.Ref, r.Path = name, ref, path
	if err := ValidateInputRef(r); err != nil {
		return InputRef{}, err
	}
	return r, nil
}

// ParseCodeRef parses --code-ref URL@COMMIT[+dirty] (the last '@' splits:
// URLs such as git@host:x.git contain one), or a bare COMMIT[+dirty].
func ParseCodeRef(s string) (CodeRef, error) {
	var c CodeRef
	if rest, ok := strings.CutSuffix(s, "+dirty"); ok {
		s, c.Dirty = rest, true
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		c.Repo, c.Commit = s[:i], s[i+1:]
	} else {
		c.Commit = s
	}
	if c.Commit == "" {
		return CodeRef{}, fmt.Errorf("%w: code ref %q has no commit (URL@COMMIT[+dirty])", ErrInvalid, s)
	}
	for what, v := range map[string]string{"code repo": c.Repo, "code commit": c.Commit} {
		if err := checkText(what, v, RunMaxText); err != nil {
			return CodeRef{}, err
		}
	}
	if strings.ContainsAny(c.Commit, " \t\n/") {
		return CodeRef{}, fmt.Errorf("%w: code commit %q", ErrInvalid, c.Commit)
	}
	return c, nil
}
