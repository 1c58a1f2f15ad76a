package api

import (
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Input checks of the identity routes: bad input is 400 and reaches no
// store.

// parseGrants parses a key's grants ("scope=permission", model.ParseGrant);
// a scope given twice is refused.
func parseGrants(in []string) (map[string]model.Permission, error) {
	out := make(map[string]model.Permission, len(in))
	for _, s := range in {
		g, err := model.ParseGrant(s)
		if err != nil {
			return nil, err
		}
		if _, dup := out[g.Scope]; dup {
			return nil, fmt.Errorf("%w: scope %q is granted twice", model.ErrInvalid, g.Scope)
		}
		out[g.Scope] = g.Permission
	}
	return out, nil
}

// validateKeyID: what raftmeta accepts as an ID (the root key's is
// configured, not made by newKeyID): 1-256 bytes, no control or space
// characters; and no '/', which could not be a path segment.
func validateKeyID(id string) error {
	if id == "" || len(id) > 256 {
		return fmt.Errorf("%w: key ID must be 1-256 bytes", model.ErrInvalid)
	}
	for _, r := range id {
		if r < 0x21 || r == 0x7f || r == '/' {
			return fmt.Errorf("%w: key ID %q has a control, space or '/' character", model.ErrInvalid, id)
		}
	}
	return nil
}
