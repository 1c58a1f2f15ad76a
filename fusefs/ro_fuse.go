//go:build (cgo && linux && fuse3) || (cgo && darwin) || windows

package fusefs

import (
	"github.com/datamon-io/datamon/manifest"
	"github.com/winfsp/cgofuse/fuse"
)

// roFS serves one bundle read-only.
type roFS struct {
	core
}

// dirHandle is a read-only directory listing in progress: next is the
// offset of pending[0] (0 ".", 1 "..", 2+ children).
type dirHandle struct {
	dir     string
	next    int64
	after   string
	pending []manifest.Entry
	done    bool
}

func (f *roFS) Getattr(path string, st *fuse.Stat_t, fh uint64) int {
	return f.baseAttr(rel(path), st)
}

func (f *roFS) Readlink(path string) (int, string) {
	e, ok, err := f.meta.lookup(f.ctx, rel(path))
	switch {
	case err != nil:
		return -fuse.EIO, ""
	case !ok:
		return -fuse.ENOENT, ""
	case e.Type != manifest.Symlink:
		return -fuse.EINVAL, ""
	}
	return 0, e.Target
}

func (f *roFS) Open(path string, flags int) (int, uint64) {
	if flags&(fuse.O_WRONLY|fuse.O_RDWR|fuse.O_APPEND|fuse.O_CREAT|fuse.O_TRUNC) != 0 {
		return -fuse.EROFS, ^uint64(0)
	}
	e, ok, err := f.meta.lookup(f.ctx, rel(path))
	switch {
	case err != nil:
		return -fuse.EIO, ^uint64(0)
	case !ok:
		return -fuse.ENOENT, ^uint64(0)
	case e.Type == manifest.Dir:
		return -fuse.EISDIR, ^uint64(0)
	}
	return 0, f.put(newFileReader(f.cache, e, f.cfg.Prefetch))
}

func (f *roFS) Read(path string, buff []byte, ofst int64, fh uint64) int {
	r, ok := f.handle(fh).(*fileReader)
	if !ok {
		return -fuse.EBADF
	}
	return f.readBase(r, buff, ofst)
}

func (f *roFS) Release(path string, fh uint64) int {
	f.drop(fh)
	return 0
}

func (f *roFS) Opendir(path string) (int, uint64) {
	p := rel(path)
	e, ok, err := f.meta.lookup(f.ctx, p)
	switch {
	case err != nil:
		return -fuse.EIO, ^uint64(0)
	case !ok:
		return -fuse.ENOENT, ^uint64(0)
	case e.Type != manifest.Dir:
		return -fuse.ENOTDIR, ^uint64(0)
	}
	return 0, f.put(&dirHandle{dir: p})
}

// Readdir streams the listing page by page with real offsets, so the kernel
// asks again for the rest and neither side holds a whole large directory.
func (f *roFS) Readdir(path string, fill func(string, *fuse.Stat_t, int64) bool, ofst int64, fh uint64) int {
	h, ok := f.handle(fh).(*dirHandle)
	if !ok {
		return -fuse.EBADF
	}
	if ofst != h.next {
		*h = dirHandle{dir: h.dir}
	}
	var st fuse.Stat_t
	for {
		var name string
		switch {
		case h.next == 0:
			name = "."
			f.fillStat(&st, manifest.Entry{Type: manifest.Dir}, h.dir)
		case h.next == 1:
			name = ".."
			f.fillStat(&st, manifest.Entry{Type: manifest.Dir}, "")
		default:
			if len(h.pending) == 0 {
				if h.done {
					return 0
				}
				es, err := f.meta.list(f.ctx, h.dir, h.after)
				if err != nil {
					f.cfg.Logger.Warn("fusefs: list failed", "dir", h.dir, "err", err)
					return -fuse.EIO
				}
				if len(es) == 0 {
					h.done = true
					return 0
				}
				h.pending, h.after = es, manifest.ListKey(es[len(es)-1])
				h.done = len(es) < f.cfg.DirPage
			}
			e := h.pending[0]
			name = base(e.Path)
			f.fillStat(&st, e, e.Path)
		}
		if h.next >= ofst {
			if !fill(name, &st, h.next+1) {
				return 0
			}
		}
		h.next++
		if h.next > 2 {
			h.pending = h.pending[1:]
		}
	}
}

func (f *roFS) Releasedir(path string, fh uint64) int {
	f.drop(fh)
	return 0
}

func (f *roFS) Access(path string, mask uint32) int {
	if mask&2 != 0 { // W_OK
		return -fuse.EROFS
	}
	return 0
}

func (f *roFS) Mknod(string, uint32, uint64) int         { return -fuse.EROFS }
func (f *roFS) Mkdir(string, uint32) int                 { return -fuse.EROFS }
func (f *roFS) Unlink(string) int                        { return -fuse.EROFS }
func (f *roFS) Rmdir(string) int                         { return -fuse.EROFS }
func (f *roFS) Link(string, string) int                  { return -fuse.EROFS }
func (f *roFS) Symlink(string, string) int               { return -fuse.EROFS }
func (f *roFS) Rename(string, string) int                { return -fuse.EROFS }
func (f *roFS) Chmod(string, uint32) int                 { return -fuse.EROFS }
func (f *roFS) Chown(string, uint32, uint32) int         { return -fuse.EROFS }
func (f *roFS) Utimens(string, []fuse.Timespec) int      { return -fuse.EROFS }
func (f *roFS) Truncate(string, int64, uint64) int       { return -fuse.EROFS }
func (f *roFS) Write(string, []byte, int64, uint64) int  { return -fuse.EROFS }
func (f *roFS) Setxattr(string, string, []byte, int) int { return -fuse.EROFS }
func (f *roFS) Removexattr(string, string) int           { return -fuse.EROFS }
func (f *roFS) Create(string, int, uint32) (int, uint64) { return -fuse.EROFS, ^uint64(0) }
