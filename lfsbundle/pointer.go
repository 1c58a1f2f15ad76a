package lfsbundle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// MaxPointerSize: git-lfs pointer files are small; larger blobs are not pointers.
const MaxPointerSize = 1024

// ErrNotPointer: a blob is not a Git LFS pointer.
var ErrNotPointer = errors.New("lfsbundle: not a Git LFS pointer")

// Pointer is a parsed Git LFS pointer file.
type Pointer struct {
	OID  string
	Size int64
}

const pointerVersion = "version https://git-lfs.github.com/spec/v1"

// ParsePointer parses a pointer file (spec v1): the version line first,
// then "oid sha256:<64 hex>" and "size <n>" (other keys are allowed and
// ignored), each key once, keys sorted, every line ending in '\n'.
func ParsePointer(b []byte) (Pointer, error) {
	var p Pointer
	if len(b) > MaxPointerSize || !bytes.HasSuffix(b, []byte("\n")) {
		return p, ErrNotPointer
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	first, prev := true, ""
	haveOID, haveSize := false, false
	for sc.Scan() {
		line := sc.Text()
		if first {
			if line != pointerVersion {
				return p, ErrNotPointer
			}
			first = false
			continue
		}
		k, v, ok := strings.Cut(line, " ")
		if !ok || k == "" || k <= prev || k == "version" {
			return p, fmt.Errorf("%w: line %q", ErrNotPointer, line)
		}
		prev = k
		switch k {
		case "oid":
			oid, ok := strings.CutPrefix(v, "sha256:")
			if !ok || !model.ValidLFSOID(oid) {
				return p, fmt.Errorf("%w: oid %q", ErrNotPointer, v)
			}
			p.OID, haveOID = oid, true
		case "size":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || (len(v) > 1 && v[0] == '0') {
				return p, fmt.Errorf("%w: size %q", ErrNotPointer, v)
			}
			p.Size, haveSize = n, true
		}
	}
	if first || !haveOID || !haveSize {
		return p, ErrNotPointer
	}
	return p, nil
}
