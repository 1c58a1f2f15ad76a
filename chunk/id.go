package chunk

import (
	"encoding/hex"
	"errors"
	"fmt"

	"lukechampine.com/blake3"
)

// IDSize is the length of a chunk ID in bytes (BLAKE3-256).
const IDSize = 32

// ID addresses a chunk by the BLAKE3-256 hash of its content.
type ID [IDSize]byte

// ErrBadID is returned when a string is not a 64-digit hex chunk ID.
var ErrBadID = errors.New("chunk: malformed chunk id")

// Sum returns the ID of data.
func Sum(data []byte) ID { return ID(blake3.Sum256(data)) }

// String is the lowercase hex form.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero value.
func (id ID) IsZero() bool { return id == ID{} }

// ParseID parses the hex form produced by String.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*IDSize {
		return id, fmt.Errorf("%w: %q", ErrBadID, s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return ID{}, fmt.Errorf("%w: %q", ErrBadID, s)
	}
	return id, nil
}

// MarshalText implements encoding.TextMarshaler (hex), so IDs are readable in JSON.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
