package node

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// identity is what a node writes once in its data dir so that a restart keeps
// its ID, and a data dir is never silently reused by another node.
type identity struct {
	ID   string `json:"id"`
	Site string `json:"site"`
}

// ErrIdentity: the data dir belongs to another node.
var ErrIdentity = errors.New("node: data dir belongs to another node")

// loadIdentity reads <dir>/node.json, or creates it from cfg (generating an ID).
func loadIdentity(dir, id, site string) (identity, error) {
	path := filepath.Join(dir, "node.json")
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var got identity
		if err := json.Unmarshal(b, &got); err != nil || got.ID == "" {
			return identity{}, fmt.Errorf("node: %s is corrupt: %v", path, err)
		}
		if id != "" && id != got.ID {
			return identity{}, fmt.Errorf("%w: %s holds node %q, not %q", ErrIdentity, dir, got.ID, id)
		}
		if site != "" && site != got.Site {
			// Moving a node between sites is allowed; the layout records the new site.
			got.Site = site
			if err := writeIdentity(path, got); err != nil {
				return identity{}, err
			}
		}
		return got, nil
	case errors.Is(err, fs.ErrNotExist):
		if id == "" {
			var r [6]byte
			if _, err := rand.Read(r[:]); err != nil {
				return identity{}, err
			}
			id = "n" + hex.EncodeToString(r[:])
		}
		got := identity{ID: id, Site: site}
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return identity{}, fmt.Errorf("node: data dir: %w", err)
		}
		return got, writeIdentity(path, got)
	default:
		return identity{}, fmt.Errorf("node: read identity: %w", err)
	}
}

func writeIdentity(path string, id identity) error {
	b, _ := json.MarshalIndent(id, "", "  ")
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, fileMode)
	if err != nil {
		return fmt.Errorf("node: write identity: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("node: write identity: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("node: write identity: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
