package client

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Users, access keys and grants. Every call needs a cluster admin key
// (root, or admin on "*"), except GetKey and RotateKey on the calling key
// itself and GetUser on its own user. Every call is resent after a
// possibly applied attempt: writes carry a request ID, so a resent create
// or rotate returns the first attempt's key and secret and a resent delete
// its first answer.

// Key is an access key without its secret (mirrors api.KeyInfo).
type Key struct {
	ID          string            `json:"id"`
	User        string            `json:"user,omitempty"`
	Contributor model.Contributor `json:"contributor"`
	Root        bool              `json:"root,omitempty"`
	// Grants are "scope=permission", sorted by scope.
	Grants  []string  `json:"grants"`
	Created time.Time `json:"created,omitzero"`
	// OldSecretUntil: the secret replaced by the last rotation works until then.
	OldSecretUntil time.Time `json:"old_secret_until,omitzero"`
}

// KeySecret is a key with its secret, as key create and rotate answer it
// (mirrors api.KeySecret). The server shows the secret only this once.
type KeySecret struct {
	Key
	Secret string `json:"secret"`
}

// checkSegments is checkNames, and refuses user names and key IDs that
// would change the request's path ("/", ".", "..").
func checkSegments(kv ...string) error {
	if err := checkNames(kv...); err != nil {
		return err
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] != "user" && kv[i] != "key ID" {
			continue
		}
		if v := kv[i+1]; v == "." || v == ".." || strings.Contains(v, "/") {
			return fmt.Errorf("%w: %s %q", model.ErrInvalid, kv[i], v)
		}
	}
	return nil
}

// CreateUser creates a user (model.ErrExists if the name is taken).
func (c *Client) CreateUser(ctx context.Context, name, email string) (model.User, error) {
	var out model.User
	if err := checkSegments("user", name); err != nil {
		return out, err
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, "/v1/users", false,
		map[string]string{"name": name, "email": email}, &out)
	return out, err
}

// ListUsers lists the users by name.
func (c *Client) ListUsers(ctx context.Context) ([]model.User, error) {
	var out []model.User
	return out, c.getJSON(ctx, "/v1/users", nil, &out)
}

// GetUser gets one user with the IDs of its keys.
func (c *Client) GetUser(ctx context.Context, name string) (model.User, error) {
	var out model.User
	if err := checkSegments("user", name); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, "/v1/users/"+name, nil, &out)
}

// DeleteUser deletes a user and every key it holds.
func (c *Client) DeleteUser(ctx context.Context, name string) error {
	if err := checkSegments("user", name); err != nil {
		return err
	}
	_, _, err := c.do(ctx, call{method: fasthttp.MethodDelete, path: "/v1/users/" + name})
	return err
}

// CreateKey makes a new access key for user with grants ("ctx/repo=read",
// "ctx/*=write", "*=admin"). The answer holds the secret; nothing shows it
// again.
func (c *Client) CreateKey(ctx context.Context, user string, grants []string) (KeySecret, error) {
	var out KeySecret
	if err := checkSegments("user", user); err != nil {
		return out, err
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, "/v1/keys", false,
		struct {
			User   string   `json:"user"`
			Grants []string `json:"grants,omitempty"`
		}{user, grants}, &out)
	return out, err
}

// ListKeys lists every key, or the keys of user when user != "".
func (c *Client) ListKeys(ctx context.Context, user string) ([]Key, error) {
	var q url.Values
	if user != "" {
		q = url.Values{"user": {user}}
	}
	var out []Key
	return out, c.getJSON(ctx, "/v1/keys", q, &out)
}

// GetKey gets one key (never its secret).
func (c *Client) GetKey(ctx context.Context, id string) (Key, error) {
	var out Key
	if err := checkSegments("key ID", id); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, "/v1/keys/"+id, nil, &out)
}

// DeleteKey deletes a key.
func (c *Client) DeleteKey(ctx context.Context, id string) error {
	if err := checkSegments("key ID", id); err != nil {
		return err
	}
	_, _, err := c.do(ctx, call{method: fasthttp.MethodDelete, path: "/v1/keys/" + id})
	return err
}

// RotateKey gives the key a new secret (in the answer); the old one keeps
// working for grace (0: revoked at once; at most 7 days).
func (c *Client) RotateKey(ctx context.Context, id string, grace time.Duration) (KeySecret, error) {
	var out KeySecret
	if err := checkSegments("key ID", id); err != nil {
		return out, err
	}
	if grace < 0 {
		return out, fmt.Errorf("%w: negative grace %v", model.ErrInvalid, grace)
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, "/v1/keys/"+id+"/rotate", false,
		map[string]string{"grace": grace.String()}, &out)
	return out, err
}

// AddGrant sets the key's permission on a scope: grant is
// "scope=permission" and replaces any permission the key had there.
func (c *Client) AddGrant(ctx context.Context, id, grant string) (Key, error) {
	var out Key
	if err := checkSegments("key ID", id, "grant", grant); err != nil {
		return out, err
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, "/v1/keys/"+id+"/grants", true,
		map[string]string{"grant": grant}, &out)
	return out, err
}

// RemoveGrant drops the key's grant on scope ("ctx/repo", "ctx/*" or "*");
// model.ErrNotFound if it had none.
func (c *Client) RemoveGrant(ctx context.Context, id, scope string) (Key, error) {
	var out Key
	if err := checkSegments("key ID", id, "scope", scope); err != nil {
		return out, err
	}
	_, body, err := c.do(ctx, call{method: fasthttp.MethodDelete, path: "/v1/keys/" + id + "/grants",
		query: url.Values{"scope": {scope}}})
	if err != nil {
		return out, err
	}
	return out, decode(body, &out)
}
