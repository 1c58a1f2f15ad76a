package node

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/sts"
)

// validateTokens checks the jwt: and sts: sections of the config.
func (c *Config) validateTokens() error {
	if err := c.JWT.Validate(); err != nil {
		return fmt.Errorf("%w: jwt: %w", ErrConfig, err)
	}
	if err := c.STS.Validate(); err != nil {
		return fmt.Errorf("%w: sts: %w", ErrConfig, err)
	}
	if len(c.STS.Roles) > 0 && len(c.JWT.Issuers) == 0 {
		return fmt.Errorf("%w: sts roles are configured but no jwt issuer: nobody could assume them", ErrConfig)
	}
	return nil
}

// startTokens builds the JWT verifier (API and gateway bearer tokens) and
// the gateway's STS service when an issuer is configured. Key sets in files
// are read now: a missing one fails the start.
func (n *Node) startTokens(ctx context.Context) error {
	if len(n.cfg.JWT.Issuers) == 0 {
		return nil
	}
	jc := n.cfg.JWT
	jc.Now, jc.Logger = n.clock, n.log.With("component", "jwt")
	v, err := jwtauth.New(ctx, jc)
	if err != nil {
		return fmt.Errorf("node: jwt: %w", err)
	}
	sc := n.cfg.STS
	sc.Now, sc.Logger = n.clock, n.log.With("component", "sts")
	s, err := sts.New(sc, n.cfg.Secret, v)
	if err != nil {
		return fmt.Errorf("node: sts: %w", err)
	}
	n.jwt, n.sts = v, s
	n.log.Info("jwt issuers configured", "issuers", len(jc.Issuers), "sts_roles", len(sc.Roles))
	return nil
}
