package lfs

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/datamon-io/datamon/model"
)

// DeriveHrefKey derives the transfer-href signing key from the cluster
// secret (HKDF-SHA256, its own label: the key signs nothing else).
func DeriveHrefKey(clusterSecret string) ([]byte, error) {
	if clusterSecret == "" {
		return nil, fmt.Errorf("%w: empty cluster secret", ErrBadConfig)
	}
	return hkdf.Key(sha256.New, []byte(clusterSecret), nil, "datamon lfs transfer href v1", 32)
}

// tokenScheme is the Authorization scheme of transfer actions.
const tokenScheme = "Datamon-LFS "

// transferGrant is what a transfer token allows: one operation on one
// object, for one key, until Exp (unix seconds). A key of the key store is
// looked up again when the transfer runs; a bearer principal (Bearer) is in
// no store, so the token carries the permission its JWT gave (Perm).
type transferGrant struct {
	Op      string           `json:"op"` // upload, download, verify
	Context string           `json:"c"`
	Repo    string           `json:"r"`
	OID     string           `json:"o"`
	Size    int64            `json:"s"`
	Key     string           `json:"k"`
	Exp     int64            `json:"e"`
	Bearer  bool             `json:"b,omitempty"`
	Perm    model.Permission `json:"p,omitempty"`
}

func signToken(key []byte, g transferGrant) string {
	js, _ := json.Marshal(g)
	p := base64.RawURLEncoding.EncodeToString(js)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(p))
	return p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// parseToken verifies a token's MAC and expiry.
func parseToken(key []byte, tok string, now time.Time) (transferGrant, error) {
	var g transferGrant
	p, sig, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 4096 {
		return g, fmt.Errorf("%w: malformed", ErrToken)
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return g, fmt.Errorf("%w: malformed signature", ErrToken)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(p))
	if !hmac.Equal(got, m.Sum(nil)) {
		return g, fmt.Errorf("%w: signature does not match", ErrToken)
	}
	js, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return g, fmt.Errorf("%w: malformed payload", ErrToken)
	}
	if err := json.Unmarshal(js, &g); err != nil {
		return g, fmt.Errorf("%w: payload: %v", ErrToken, err)
	}
	if now.Unix() >= g.Exp {
		return g, fmt.Errorf("%w: expired %s ago", ErrToken, now.Sub(time.Unix(g.Exp, 0)).Round(time.Second))
	}
	return g, nil
}

// matches reports whether g allows op on context/repo/oid.
func (g transferGrant) matches(op, context, repo, oid string) bool {
	return g.Op == op && g.Context == context && g.Repo == repo && g.OID == oid
}
