//go:build (cgo && linux && fuse3) || (cgo && darwin) || windows

package fusefs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/datamon-io/datamon/manifest"
	"github.com/winfsp/cgofuse/fuse"
)

// fillFI describes an upper-layer file.
func (f *rwFS) fillFI(st *fuse.Stat_t, fi fs.FileInfo, p string) {
	e := manifest.Entry{Type: manifest.File, Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Mode: unixPerm(fi.Mode())}
	switch {
	case fi.IsDir():
		e.Type = manifest.Dir
	case fi.Mode()&fs.ModeSymlink != 0:
		e.Type = manifest.Symlink
		e.Target, _ = os.Readlink(f.s.upper(p))
	}
	f.fillStat(st, e, p)
	if e.Type == manifest.Dir && e.Mode == 0 {
		st.Mode = fuse.S_IFDIR
	}
}

func unixPerm(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

func (f *rwFS) Getattr(path string, st *fuse.Stat_t, fh uint64) int {
	p := rel(path)
	n, err := f.resolve(p)
	switch {
	case err != nil:
		return sysErr(err)
	case n.upper != nil:
		f.fillFI(st, n.upper, p)
	case n.inB:
		f.fillStat(st, n.base, p)
	default:
		return -fuse.ENOENT
	}
	return 0
}

func (f *rwFS) Readlink(path string) (int, string) {
	p := rel(path)
	n, err := f.resolve(p)
	switch {
	case err != nil:
		return sysErr(err), ""
	case n.upper != nil:
		t, err := os.Readlink(f.s.upper(p))
		return sysErr(err), t
	case n.inB && n.base.Type == manifest.Symlink:
		return 0, n.base.Target
	case n.inB:
		return -fuse.EINVAL, ""
	}
	return -fuse.ENOENT, ""
}

func (f *rwFS) Mkdir(path string, mode uint32) int {
	f.ns.Lock()
	defer f.ns.Unlock()
	p := rel(path)
	if n, err := f.resolve(p); err != nil || n.exists() {
		return orErr(err, -fuse.EEXIST)
	}
	if err := f.ensureDir(parentOf(p)); err != nil {
		return sysErr(err)
	}
	return sysErr(os.Mkdir(f.s.upper(p), goMode(mode&0o7777)))
}

func (f *rwFS) Symlink(target, newpath string) int {
	f.ns.Lock()
	defer f.ns.Unlock()
	p := rel(newpath)
	if n, err := f.resolve(p); err != nil || n.exists() {
		return orErr(err, -fuse.EEXIST)
	}
	if err := f.ensureDir(parentOf(p)); err != nil {
		return sysErr(err)
	}
	return sysErr(os.Symlink(target, f.s.upper(p)))
}

func orErr(err error, code int) int {
	if err != nil {
		return sysErr(err)
	}
	return code
}

func (f *rwFS) Create(path string, flags int, mode uint32) (int, uint64) {
	f.ns.Lock()
	defer f.ns.Unlock()
	p := rel(path)
	n, err := f.resolve(p)
	if err != nil {
		return sysErr(err), ^uint64(0)
	}
	if n.exists() {
		if flags&fuse.O_EXCL != 0 {
			return -fuse.EEXIST, ^uint64(0)
		}
		if err := f.copyUp(p); err != nil {
			return sysErr(err), ^uint64(0)
		}
	} else if err := f.ensureDir(parentOf(p)); err != nil {
		return sysErr(err), ^uint64(0)
	}
	fl := os.O_RDWR | os.O_CREATE
	if flags&fuse.O_TRUNC != 0 {
		fl |= os.O_TRUNC
	}
	file, err := os.OpenFile(f.s.upper(p), fl, goMode(mode&0o7777))
	if err != nil {
		return sysErr(err), ^uint64(0)
	}
	return 0, f.put(&rwFile{file})
}

func (f *rwFS) Open(path string, flags int) (int, uint64) {
	p := rel(path)
	write := flags&fuse.O_ACCMODE != fuse.O_RDONLY || flags&(fuse.O_TRUNC|fuse.O_APPEND) != 0
	if write {
		f.ns.Lock()
		err := f.copyUp(p)
		f.ns.Unlock()
		if err != nil {
			return sysErr(err), ^uint64(0)
		}
	}
	n, err := f.resolve(p)
	switch {
	case err != nil:
		return sysErr(err), ^uint64(0)
	case n.upper != nil:
		fl := os.O_RDONLY
		if write {
			fl = os.O_RDWR
		}
		if flags&fuse.O_TRUNC != 0 {
			fl |= os.O_TRUNC
		}
		file, err := os.OpenFile(f.s.upper(p), fl, 0)
		if err != nil {
			return sysErr(err), ^uint64(0)
		}
		return 0, f.put(&rwFile{file})
	case n.inB && n.base.Type == manifest.File:
		return 0, f.put(newFileReader(f.cache, n.base, f.cfg.Prefetch))
	case n.inB:
		return -fuse.EISDIR, ^uint64(0)
	}
	return -fuse.ENOENT, ^uint64(0)
}

func (f *rwFS) Read(path string, buff []byte, ofst int64, fh uint64) int {
	switch h := f.handle(fh).(type) {
	case *rwFile:
		n, err := h.f.ReadAt(buff, ofst)
		if err != nil && !errors.Is(err, io.EOF) {
			return sysErr(err)
		}
		return n
	case *fileReader:
		return f.readBase(h, buff, ofst)
	}
	return -fuse.EBADF
}

func (f *rwFS) Write(path string, buff []byte, ofst int64, fh uint64) int {
	h, ok := f.handle(fh).(*rwFile)
	if !ok {
		return -fuse.EBADF
	}
	n, err := h.f.WriteAt(buff, ofst)
	if err != nil {
		return sysErr(err)
	}
	return n
}

func (f *rwFS) Truncate(path string, size int64, fh uint64) int {
	if h, ok := f.handle(fh).(*rwFile); ok {
		return sysErr(h.f.Truncate(size))
	}
	f.ns.Lock()
	defer f.ns.Unlock()
	p := rel(path)
	if err := f.copyUp(p); err != nil {
		return sysErr(err)
	}
	return sysErr(os.Truncate(f.s.upper(p), size))
}

func (f *rwFS) Fsync(path string, datasync bool, fh uint64) int {
	if h, ok := f.handle(fh).(*rwFile); ok {
		return sysErr(h.f.Sync())
	}
	return 0
}

func (f *rwFS) Flush(path string, fh uint64) int { return 0 }

func (f *rwFS) Release(path string, fh uint64) int {
	if h, ok := f.drop(fh).(*rwFile); ok {
		return sysErr(h.f.Close())
	}
	return 0
}

func (f *rwFS) Chmod(path string, mode uint32) int {
	f.ns.Lock()
	defer f.ns.Unlock()
	p := rel(path)
	if err := f.copyUp(p); err != nil {
		return sysErr(err)
	}
	return sysErr(os.Chmod(f.s.upper(p), goMode(mode&0o7777)))
}

func (f *rwFS) Chown(path string, uid, gid uint32) int { return 0 }

func (f *rwFS) Utimens(path string, tmsp []fuse.Timespec) int {
	f.ns.Lock()
	defer f.ns.Unlock()
	p := rel(path)
	if err := f.copyUp(p); err != nil {
		return sysErr(err)
	}
	fi, err := os.Lstat(f.s.upper(p))
	if err != nil || fi.Mode()&fs.ModeSymlink != 0 {
		return sysErr(err)
	}
	at, mt := time.Now(), time.Now()
	if len(tmsp) == 2 {
		at, mt = tmsp[0].Time(), tmsp[1].Time()
	}
	return sysErr(os.Chtimes(f.s.upper(p), at, mt))
}
