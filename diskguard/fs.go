package diskguard

import (
	"github.com/cockroachdb/pebble/v2/vfs"
)

// FS returns inner with every file opened for writing wrapped: a Write,
// WriteAt or Preallocate that fails with ENOSPC releases the ballast and is
// retried once (the remainder of a short write). Everything else passes
// through.
func (g *Guard) FS(inner vfs.FS) vfs.FS { return &guardFS{FS: inner, g: g} }

type guardFS struct {
	vfs.FS
	g *Guard
}

func (fs *guardFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return f, err
	}
	return &guardFile{File: f, g: fs.g, name: name}, nil
}

func (fs *guardFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, c)
	if err != nil && IsNoSpace(err) && fs.g.Release("create "+name) {
		f, err = fs.FS.Create(name, c)
	}
	return fs.wrap(name, f, err)
}

func (fs *guardFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, c, opts...)
	return fs.wrap(name, f, err)
}

func (fs *guardFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, c)
	return fs.wrap(newname, f, err)
}

// Unwrap returns the wrapped filesystem.
func (fs *guardFS) Unwrap() vfs.FS { return fs.FS }

type guardFile struct {
	vfs.File
	g    *Guard
	name string
}

func (f *guardFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	if err != nil && IsNoSpace(err) && f.g.Release("write "+f.name) {
		m, err2 := f.File.Write(p[n:])
		return n + m, err2
	}
	return n, err
}

func (f *guardFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	if err != nil && IsNoSpace(err) && f.g.Release("write "+f.name) {
		m, err2 := f.File.WriteAt(p[n:], off+int64(n))
		return n + m, err2
	}
	return n, err
}

func (f *guardFile) Preallocate(off, length int64) error {
	err := f.File.Preallocate(off, length)
	if err != nil && IsNoSpace(err) && f.g.Release("preallocate "+f.name) {
		err = f.File.Preallocate(off, length)
	}
	return err
}
