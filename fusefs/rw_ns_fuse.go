//go:build (cgo && linux && fuse3) || (cgo && darwin) || windows

package fusefs

import (
	"os"
	"strings"

	"github.com/datamon-io/datamon/manifest"
	"github.com/winfsp/cgofuse/fuse"
)

func (f *rwFS) Unlink(path string) int {
	f.ns.Lock()
	defer f.ns.Unlock()
	p := rel(path)
	n, err := f.resolve(p)
	switch {
	case err != nil:
		return sysErr(err)
	case !n.exists():
		return -fuse.ENOENT
	case n.isDir():
		return -fuse.EISDIR
	}
	return f.remove(p, n)
}

func (f *rwFS) Rmdir(path string) int {
	f.ns.Lock()
	defer f.ns.Unlock()
	p := rel(path)
	n, err := f.resolve(p)
	switch {
	case err != nil:
		return sysErr(err)
	case !n.exists():
		return -fuse.ENOENT
	case !n.isDir():
		return -fuse.ENOTDIR
	}
	if empty, err := f.emptyDir(p, n); err != nil || !empty {
		return orErr(err, -fuse.ENOTEMPTY)
	}
	return f.remove(p, n)
}

// remove deletes p from the upper layer and whites out its base entry.
func (f *rwFS) remove(p string, n node) int {
	if n.upper != nil {
		if err := os.Remove(f.s.upper(p)); err != nil {
			return sysErr(err)
		}
	}
	if n.inB {
		return sysErr(f.s.whiteout(p))
	}
	return 0
}

func (f *rwFS) Rename(oldpath, newpath string) int {
	f.ns.Lock()
	defer f.ns.Unlock()
	op, np := rel(oldpath), rel(newpath)
	if op == np {
		return 0
	}
	if strings.HasPrefix(np, op+"/") {
		return -fuse.EINVAL
	}
	on, err := f.resolve(op)
	if err != nil || !on.exists() {
		return orErr(err, -fuse.ENOENT)
	}
	nn, err := f.resolve(np)
	if err != nil {
		return sysErr(err)
	}
	if nn.exists() {
		switch {
		case on.isDir() && !nn.isDir():
			return -fuse.ENOTDIR
		case !on.isDir() && nn.isDir():
			return -fuse.EISDIR
		case nn.isDir():
			if empty, err := f.emptyDir(np, nn); err != nil || !empty {
				return orErr(err, -fuse.ENOTEMPTY)
			}
		}
	}
	if on.isDir() && on.inB {
		err = f.copyUpTree(op)
	} else {
		err = f.copyUp(op)
	}
	if err == nil {
		err = f.ensureDir(parentOf(np))
	}
	if err == nil && nn.inB {
		err = f.s.whiteout(np)
	}
	if err == nil && nn.upper != nil && nn.isDir() {
		err = os.Remove(f.s.upper(np))
	}
	if err == nil {
		err = os.Rename(f.s.upper(op), f.s.upper(np))
	}
	if err == nil && on.inB {
		err = f.s.whiteout(op)
	}
	return sysErr(err)
}

func (f *rwFS) Opendir(path string) (int, uint64) {
	n, err := f.resolve(rel(path))
	switch {
	case err != nil:
		return sysErr(err), ^uint64(0)
	case !n.exists():
		return -fuse.ENOENT, ^uint64(0)
	case !n.isDir():
		return -fuse.ENOTDIR, ^uint64(0)
	}
	return 0, 0
}

// Readdir merges the upper directory with the visible base listing (paged
// through the manifest); entries are passed without offsets.
func (f *rwFS) Readdir(path string, fill func(string, *fuse.Stat_t, int64) bool, ofst int64, fh uint64) int {
	p := rel(path)
	n, err := f.resolve(p)
	if err != nil {
		return sysErr(err)
	}
	var st fuse.Stat_t
	f.fillStat(&st, manifest.Entry{Type: manifest.Dir}, p)
	fill(".", &st, 0)
	fill("..", nil, 0)
	seen := map[string]bool{}
	if n.upper != nil {
		es, err := os.ReadDir(f.s.upper(p))
		if err != nil {
			return sysErr(err)
		}
		for _, e := range es {
			fi, err := e.Info()
			if err != nil || strings.HasSuffix(e.Name(), ".datamon-copyup") {
				continue
			}
			seen[e.Name()] = true
			f.fillFI(&st, fi, join(p, e.Name()))
			if !fill(e.Name(), &st, 0) {
				return 0
			}
		}
	}
	if !n.inB || f.meta == nil {
		return 0
	}
	after := ""
	for {
		es, err := f.meta.list(f.ctx, p, after)
		if err != nil {
			return -fuse.EIO
		}
		if len(es) == 0 {
			return 0
		}
		for _, e := range es {
			name := base(e.Path)
			if seen[name] || f.s.hidden(e.Path) {
				continue
			}
			f.fillStat(&st, e, e.Path)
			if !fill(name, &st, 0) {
				return 0
			}
		}
		after = manifest.ListKey(es[len(es)-1])
	}
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func (f *rwFS) Releasedir(path string, fh uint64) int { return 0 }
func (f *rwFS) Link(string, string) int               { return -fuse.EPERM }
