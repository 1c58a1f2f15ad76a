package sts

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/datamon-io/datamon/jwtauth"
)

// Limits of DurationSeconds (AWS's) and the defaults.
const (
	MinDurationSeconds     = 900
	MaxDurationSeconds     = 43200
	DefaultDurationSeconds = 3600
	DefaultMaxDuration     = time.Hour
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("sts: invalid config")

// Config configures a Service.
type Config struct {
	// Roles that AssumeRoleWithWebIdentity may assume, by ARN.
	Roles []Role `yaml:"roles"`
	// MaxDuration caps every credential's lifetime (default 1 h; the
	// requested DurationSeconds and the token's exp cap it further). It may
	// be shorter than AWS's 900 s minimum request (tests, strict sites).
	MaxDuration time.Duration `yaml:"max_duration"`

	// Now is the clock (tests).
	Now    func() time.Time `yaml:"-"`
	Logger *slog.Logger     `yaml:"-"`
}

// Role is an assumable role.
type Role struct {
	// ARN names the role: arn:aws:iam::<account>:role/<name> (any account
	// string, "datamon" by convention).
	ARN string `yaml:"arn"`
	// Grants the role allows ("ctx/repo=read", ...), intersected with the token's.
	Grants []string `yaml:"grants"`
}

// Validate checks roles and limits.
func (c Config) Validate() error {
	if c.MaxDuration < 0 || c.MaxDuration > MaxDurationSeconds*time.Second {
		return fmt.Errorf("%w: max_duration %v: want up to %ds", ErrConfig, c.MaxDuration, MaxDurationSeconds)
	}
	seen := map[string]bool{}
	for _, r := range c.Roles {
		if _, _, err := splitRoleARN(r.ARN); err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
		if seen[r.ARN] {
			return fmt.Errorf("%w: role %q configured twice", ErrConfig, r.ARN)
		}
		seen[r.ARN] = true
		if len(r.Grants) == 0 {
			return fmt.Errorf("%w: role %q has no grants", ErrConfig, r.ARN)
		}
		for _, g := range r.Grants {
			if _, _, err := jwtauth.ParseGrant(g); err != nil {
				return fmt.Errorf("%w: role %q: %w", ErrConfig, r.ARN, err)
			}
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxDuration == 0 {
		c.MaxDuration = DefaultMaxDuration
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// splitRoleARN returns the account and role name of arn:aws:iam::ACCOUNT:role/NAME.
func splitRoleARN(arn string) (account, name string, err error) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] != "iam" || f[3] != "" || f[4] == "" || !strings.HasPrefix(f[5], "role/") {
		return "", "", fmt.Errorf("role ARN %q: want arn:aws:iam::ACCOUNT:role/NAME", arn)
	}
	name = f[5][len("role/"):]
	if i := strings.LastIndexByte(name, '/'); i >= 0 { // role/path/NAME
		name = name[i+1:]
	}
	if name == "" || len(arn) > 2048 {
		return "", "", fmt.Errorf("role ARN %q: empty role name or too long", arn)
	}
	return f[4], name, nil
}
