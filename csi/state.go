package csi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// record is one published volume, kept in StateDir/volumes/<key>.json.
type record struct {
	VolumeID string      `json:"volume_id"`
	Target   string      `json:"target"`
	Volume   Volume      `json:"volume"`
	Creds    Credentials `json:"credentials"`
	// PID is the FUSE process serving Target (0: none yet, or gone).
	PID int `json:"pid"`
	// Staging is the staging directory of a read-write volume.
	Staging string `json:"staging,omitempty"`
	// Unmounted: the target was unmounted by an unpublish whose commit
	// has not succeeded yet.
	Unmounted bool `json:"unmounted,omitempty"`
}

// store keeps the records of a state directory.
type store struct{ dir string }

func newStore(stateDir string) (*store, error) {
	s := &store{dir: filepath.Join(stateDir, "volumes")}
	for _, d := range []string{s.dir, filepath.Join(stateDir, "staging"), filepath.Join(stateDir, "logs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("csi: state dir: %w", err)
		}
	}
	return s, nil
}

// key names the record of a volume at a target.
func key(volumeID, target string) string {
	h := sha256.Sum256([]byte(volumeID + "\x00" + target))
	return hex.EncodeToString(h[:16])
}

func (s *store) path(k string) string { return filepath.Join(s.dir, k+".json") }

// save writes r durably (temp file, fsync, rename, fsync of the directory).
func (s *store) save(r record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	p := s.path(key(r.VolumeID, r.Target))
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("csi: save record: %w", err)
	}
	if _, err := f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("csi: save record: %w", err)
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// load reads the record of volumeID at target (ok false: none).
func (s *store) load(volumeID, target string) (record, bool, error) {
	b, err := os.ReadFile(s.path(key(volumeID, target)))
	if errors.Is(err, fs.ErrNotExist) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, fmt.Errorf("csi: load record: %w", err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return record{}, false, fmt.Errorf("csi: record of %s at %s: %w", volumeID, target, err)
	}
	return r, true, nil
}

func (s *store) remove(r record) error {
	if err := os.Remove(s.path(key(r.VolumeID, r.Target))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("csi: remove record: %w", err)
	}
	return nil
}

// all lists every record (a corrupt one is returned as an error per file).
func (s *store) all() ([]record, []error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, []error{err}
	}
	var out []record
	var errs []error
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var r record
		if err := json.Unmarshal(b, &r); err != nil {
			errs = append(errs, fmt.Errorf("csi: record %s: %w", e.Name(), err))
			continue
		}
		out = append(out, r)
	}
	return out, errs
}

// volumesOf counts the records of a volume ID.
func (s *store) volumesOf(volumeID string) []record {
	rs, _ := s.all()
	var out []record
	for _, r := range rs {
		if r.VolumeID == volumeID {
			out = append(out, r)
		}
	}
	return out
}
