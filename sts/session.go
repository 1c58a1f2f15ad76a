package sts

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/model"
)

// Session token constants.
const (
	sessionIssuer   = "datamon-sts"
	sessionAudience = "datamon-s3"
	maxSessionToken = 8 << 10
	accessKeyPrefix = "ASIA" // AWS's prefix of temporary access key ids
)

// Sentinel errors of temporary credentials.
var (
	ErrSessionInvalid = errors.New("sts: invalid session token")
	ErrSessionExpired = errors.New("sts: session token expired")
)

// keys are the two keys derived from the cluster secret.
type keys struct {
	sign   []byte // HS256 key of session tokens
	secret []byte // HMAC key of secret access keys
}

func deriveKeys(clusterSecret []byte) (keys, error) {
	if len(clusterSecret) < 16 {
		return keys{}, fmt.Errorf("%w: cluster secret shorter than 16 bytes", ErrConfig)
	}
	var k keys
	var err error
	if k.sign, err = hkdf.Key(sha256.New, clusterSecret, nil, "datamon sts session-token signing v1", 32); err != nil {
		return keys{}, err
	}
	if k.secret, err = hkdf.Key(sha256.New, clusterSecret, nil, "datamon sts secret-access-key v1", 32); err != nil {
		return keys{}, err
	}
	return k, nil
}

// secretFor is the secret access key of temporary access key id ak.
func (k keys) secretFor(ak string) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(ak))
	return base64.StdEncoding.EncodeToString(m.Sum(nil)[:30]) // 40 characters, like AWS's
}

// sessionClaims are the claims of a session token.
type sessionClaims struct {
	jwt.RegisteredClaims
	Email   string            `json:"email,omitempty"`
	Grants  map[string]string `json:"grants,omitempty"`
	Role    string            `json:"role"`
	Session string            `json:"sess"`
	Source  string            `json:"src,omitempty"` // the web identity token's issuer
}

// credentials are minted temporary credentials.
type credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
}

func newAccessKeyID() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return accessKeyPrefix + base32.StdEncoding.EncodeToString(b[:]), nil // 4 + 16 characters
}

// mint issues credentials for user with grants until exp.
func (k keys) mint(user model.User, grants jwtauth.Grants, role, session, source string, now, exp time.Time) (credentials, error) {
	ak, err := newAccessKeyID()
	if err != nil {
		return credentials{}, err
	}
	c := sessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: sessionIssuer, Subject: user.Name, Audience: jwt.ClaimStrings{sessionAudience}, ID: ak,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Email: user.Email, Grants: map[string]string{}, Role: role, Session: session, Source: source,
	}
	for s, p := range grants {
		c.Grants[s] = p.String()
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(k.sign)
	if err != nil {
		return credentials{}, fmt.Errorf("sts: sign session token: %w", err)
	}
	return credentials{AccessKeyID: ak, SecretAccessKey: k.secretFor(ak), SessionToken: tok, Expiration: exp}, nil
}

// verify checks a session token presented with access key id ak. Neither
// iat nor nbf is checked (no nbf is issued): another node's clock may lag
// the issuer's; exp is, exactly.
func (k keys) verify(ak, token string, now time.Time) (sessionClaims, error) {
	if len(token) > maxSessionToken {
		return sessionClaims{}, fmt.Errorf("%w: longer than %d bytes", ErrSessionInvalid, maxSessionToken)
	}
	var c sessionClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return k.sign, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(sessionIssuer),
		jwt.WithAudience(sessionAudience), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return sessionClaims{}, fmt.Errorf("%w: expired", ErrSessionExpired)
	case err != nil:
		return sessionClaims{}, fmt.Errorf("%w: %v", ErrSessionInvalid, err)
	case c.ID != ak || !strings.HasPrefix(ak, accessKeyPrefix):
		return sessionClaims{}, fmt.Errorf("%w: issued for another access key", ErrSessionInvalid)
	case c.Subject == "":
		return sessionClaims{}, fmt.Errorf("%w: no subject", ErrSessionInvalid)
	}
	return c, nil
}

// grants parses the claims' grants back (entries that do not parse are dropped).
func (c sessionClaims) grants() jwtauth.Grants {
	out := jwtauth.Grants{}
	for s, p := range c.Grants {
		perm, err := model.ParsePermission(p)
		if err != nil || jwtauth.ValidateScope(s) != nil {
			continue
		}
		out[s] = perm
	}
	return out
}
