package jwtauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Algorithms every issuer may use: RS256, ES256 and EdDSA, nothing else.
var Algorithms = []string{"RS256", "ES256", "EdDSA"}

// Defaults.
const (
	DefaultClockSkew       = 60 * time.Second
	DefaultMaxTokenSize    = 16 << 10
	DefaultRefreshInterval = time.Hour
	DefaultMinRefresh      = 30 * time.Second
	DefaultUserClaim       = "sub"
	DefaultEmailClaim      = "email"
	maxJWKSSize            = 1 << 20
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("jwtauth: invalid config")

// Config configures a Verifier.
type Config struct {
	// Issuers are the trusted token issuers (none: every token is refused).
	Issuers []IssuerConfig `yaml:"issuers"`
	// ClockSkew is the allowance on exp and nbf (default 60 s).
	ClockSkew time.Duration `yaml:"clock_skew"`
	// MaxTokenSize bounds a token's length in bytes (default 16 KiB).
	MaxTokenSize int `yaml:"max_token_size"`
	// RefreshInterval: cached key sets older than this are reloaded on the
	// next use (default 1 h).
	RefreshInterval time.Duration `yaml:"jwks_refresh"`
	// MinRefresh rate-limits reloads caused by an unknown kid (default 30 s).
	MinRefresh time.Duration `yaml:"jwks_min_refresh"`

	// HTTPClient fetches key sets from URLs (default: 10 s timeout).
	HTTPClient *http.Client `yaml:"-"`
	// Now is the clock (tests).
	Now    func() time.Time `yaml:"-"`
	Logger *slog.Logger     `yaml:"-"`
}

// IssuerConfig is one trusted issuer.
type IssuerConfig struct {
	// Issuer is the exact "iss" value of its tokens (an https URL usually).
	Issuer string `yaml:"issuer"`
	// Audiences: a token's "aud" must contain one of them (required).
	Audiences []string `yaml:"audiences"`
	// JWKSFile or JWKSURL (exactly one) holds the issuer's JSON Web Key Set.
	JWKSFile string `yaml:"jwks_file"`
	JWKSURL  string `yaml:"jwks_url"`
	// Algorithms narrows Algorithms for this issuer (default: all three).
	Algorithms []string `yaml:"algorithms"`
	// UserClaim names the claim that holds the user name (default "sub";
	// "email", "name", "preferred_username", ...). It must be a non-empty string.
	UserClaim string `yaml:"user_claim"`
	// EmailClaim names the claim holding the email (default "email"; optional in tokens).
	EmailClaim string `yaml:"email_claim"`
	// GrantsClaim names the claim whose values (a string or an array of
	// strings) are looked up in Groups, e.g. "groups". Empty: only DefaultGrants.
	GrantsClaim string `yaml:"grants_claim"`
	// Groups maps a value of GrantsClaim to grant strings ("ctx/repo=read").
	Groups map[string][]string `yaml:"groups"`
	// DefaultGrants are given to every valid token of this issuer.
	DefaultGrants []string `yaml:"default_grants"`
}

// DefaultConfig returns a Config without issuers and with the default limits.
func DefaultConfig() Config {
	return Config{
		ClockSkew:       DefaultClockSkew,
		MaxTokenSize:    DefaultMaxTokenSize,
		RefreshInterval: DefaultRefreshInterval,
		MinRefresh:      DefaultMinRefresh,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ClockSkew == 0 {
		c.ClockSkew = d.ClockSkew
	}
	if c.MaxTokenSize == 0 {
		c.MaxTokenSize = d.MaxTokenSize
	}
	if c.RefreshInterval == 0 {
		c.RefreshInterval = d.RefreshInterval
	}
	if c.MinRefresh == 0 {
		c.MinRefresh = d.MinRefresh
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks limits and every issuer (zero limits take the defaults).
func (c Config) Validate() error {
	if c.ClockSkew < 0 || c.ClockSkew > 10*time.Minute {
		return fmt.Errorf("%w: clock_skew %v: want 0..10m", ErrConfig, c.ClockSkew)
	}
	if c.MaxTokenSize < 0 || c.MaxTokenSize > 1<<20 {
		return fmt.Errorf("%w: max_token_size %d: want 0..1 MiB", ErrConfig, c.MaxTokenSize)
	}
	if c.RefreshInterval < 0 || c.MinRefresh < 0 {
		return fmt.Errorf("%w: negative jwks refresh interval", ErrConfig)
	}
	seen := map[string]bool{}
	for i, is := range c.Issuers {
		if err := is.validate(); err != nil {
			return fmt.Errorf("issuer %d (%q): %w", i, is.Issuer, err)
		}
		if seen[is.Issuer] {
			return fmt.Errorf("%w: issuer %q configured twice", ErrConfig, is.Issuer)
		}
		seen[is.Issuer] = true
	}
	return nil
}

func (is IssuerConfig) validate() error {
	if is.Issuer == "" {
		return fmt.Errorf("%w: empty issuer", ErrConfig)
	}
	if len(is.Audiences) == 0 || slices.Contains(is.Audiences, "") {
		return fmt.Errorf("%w: audiences are required (and must not be empty strings)", ErrConfig)
	}
	switch {
	case (is.JWKSFile == "") == (is.JWKSURL == ""):
		return fmt.Errorf("%w: exactly one of jwks_file and jwks_url", ErrConfig)
	case is.JWKSURL != "":
		u, err := url.Parse(is.JWKSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%w: jwks_url %q: want http(s)://host/path", ErrConfig, is.JWKSURL)
		}
	}
	for _, a := range is.Algorithms {
		if !slices.Contains(Algorithms, a) {
			return fmt.Errorf("%w: algorithm %q: allowed are %v", ErrConfig, a, Algorithms)
		}
	}
	if _, err := parseGrants(is.DefaultGrants); err != nil {
		return fmt.Errorf("%w: default_grants: %w", ErrConfig, err)
	}
	for g, list := range is.Groups {
		if _, err := parseGrants(list); err != nil {
			return fmt.Errorf("%w: group %q: %w", ErrConfig, g, err)
		}
	}
	return nil
}

func (is IssuerConfig) withDefaults() IssuerConfig {
	if len(is.Algorithms) == 0 {
		is.Algorithms = Algorithms
	}
	if is.UserClaim == "" {
		is.UserClaim = DefaultUserClaim
	}
	if is.EmailClaim == "" {
		is.EmailClaim = DefaultEmailClaim
	}
	return is
}

// Grants maps a scope ("ctx/repo", "ctx/*", model.ScopeCluster) to a permission.
type Grants = map[string]model.Permission

func parseGrants(list []string) (Grants, error) {
	out := Grants{}
	for _, s := range list {
		scope, p, err := ParseGrant(s)
		if err != nil {
			return nil, err
		}
		out[scope] = max(out[scope], p)
	}
	return out, nil
}
