package client

import (
	"fmt"
	"os"
	"strings"

	"github.com/datamon-io/datamon/apiauth"
)

// maxTokenFile bounds a token file.
const maxTokenFile = 64 << 10

// authorization is the Authorization header of one call: a bearer token
// when one is configured, else the access key's signature.
func (c *Client) authorization(cl call, digest string) (string, error) {
	tok := c.cfg.Token
	if c.cfg.TokenFile != "" {
		var err error
		if tok, err = readToken(c.cfg.TokenFile); err != nil {
			return "", err
		}
	}
	if tok != "" {
		return "Bearer " + tok, nil
	}
	return apiauth.Sign(c.cfg.AccessKey, c.cfg.SecretKey, apiauth.Request{
		Method: cl.method, Path: cl.path, Query: cl.query, BodyDigest: digest,
	}, c.cfg.Now()), nil
}

// readToken reads a token file (trimmed); an empty or oversized file is an error.
func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: token file: %w", ErrConfig, err)
	}
	if len(b) > maxTokenFile {
		return "", fmt.Errorf("%w: token file %s: larger than %d bytes", ErrConfig, path, maxTokenFile)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("%w: token file %s: want one token", ErrConfig, path)
	}
	return tok, nil
}
