package model

import (
	"fmt"
	"unicode"
)

const maxNameLen = 128

// ValidateRepoName: letters, digits and hyphens (datamon's rule), 1-128 runes.
func ValidateRepoName(name string) error {
	return validateName("repo", name, false)
}

// ValidateContextName follows the repo name rule.
func ValidateContextName(name string) error {
	return validateName("context", name, false)
}

// ValidateLabelName: letters, digits, hyphens, underscores and dots
// (datamon allowed letters, digits, hyphens and underscores; dots are
// accepted for version labels such as v1.2), 1-128 runes, not starting with a dot.
func ValidateLabelName(name string) error {
	if err := validateName("label", name, true); err != nil {
		return err
	}
	if name[0] == '.' {
		return fmt.Errorf("%w: label name %q must not start with '.'", ErrInvalid, name)
	}
	return nil
}

func validateName(kind, name string, label bool) error {
	if name == "" {
		return fmt.Errorf("%w: %s name is empty", ErrInvalid, kind)
	}
	if len([]rune(name)) > maxNameLen {
		return fmt.Errorf("%w: %s name longer than %d characters", ErrInvalid, kind, maxNameLen)
	}
	for _, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-'
		if label && (r == '_' || r == '.') {
			ok = true
		}
		if !ok {
			allowed := "letters, digits and '-'"
			if label {
				allowed = "letters, digits, '-', '_' and '.'"
			}
			return fmt.Errorf("%w: %s name %q may contain only %s", ErrInvalid, kind, name, allowed)
		}
	}
	return nil
}

// ValidateRepo checks a repo before create.
func ValidateRepo(r Repo) error {
	if err := ValidateContextName(r.Context); err != nil {
		return err
	}
	if err := ValidateRepoName(r.Name); err != nil {
		return err
	}
	if r.Description == "" {
		return fmt.Errorf("%w: repo %q needs a description", ErrInvalid, r.Name)
	}
	if len(r.Description) > 4096 {
		return fmt.Errorf("%w: repo description longer than 4096 bytes", ErrInvalid)
	}
	if r.HeadLabel != "" {
		if err := ValidateLabelName(r.HeadLabel); err != nil {
			return fmt.Errorf("head label: %w", err)
		}
	}
	return nil
}

// ValidateLabelSet checks a label move request (not whether the bundle exists).
func ValidateLabelSet(s LabelSet) error {
	if err := ValidateContextName(s.Context); err != nil {
		return err
	}
	if err := ValidateRepoName(s.Repo); err != nil {
		return err
	}
	if err := ValidateLabelName(s.Name); err != nil {
		return err
	}
	if s.BundleID == "" {
		return fmt.Errorf("%w: label %q: bundle id is empty", ErrInvalid, s.Name)
	}
	if s.IfMatch != "" && s.IfNotExists {
		return fmt.Errorf("%w: --if-match and must-not-exist are exclusive", ErrInvalid)
	}
	return nil
}
