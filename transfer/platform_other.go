//go:build !unix

package transfer

import "time"

// oNoFollow: no O_NOFOLLOW here; uploads Lstat every path first and skip
// symlinks as files, and downloads go through os.Root, which refuses to
// follow links out of the destination.
const oNoFollow = 0

// lchtimes is a no-op where symlink times cannot be set without following.
func (d *destDir) lchtimes(native string, t time.Time) error { return nil }
