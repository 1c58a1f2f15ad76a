package transfer

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/datamon-io/datamon/manifest"
)

// MaxFileListLine bounds one line of a file list.
const MaxFileListLine = manifest.MaxPathLen + 2

// ParseFileList reads a --files list: one path per line, relative to the
// upload directory, slash-separated. A trailing "\r" is dropped, blank lines
// are skipped, and a leading "./" is removed; anything else must satisfy
// manifest.ValidatePath and must not be a reserved path (ErrBadFileList,
// with the line number). Duplicates are kept (the walk drops them).
func ParseFileList(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxFileListLine)
	var out []string
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		for strings.HasPrefix(line, "./") {
			line = line[2:]
		}
		if err := manifest.ValidatePath(line); err != nil {
			return nil, fmt.Errorf("%w: line %d: %q: %v", ErrBadFileList, n, line, err)
		}
		if IsReserved(line) {
			return nil, fmt.Errorf("%w: line %d: %q is a reserved path", ErrBadFileList, n, line)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFileList, err)
	}
	return out, nil
}
