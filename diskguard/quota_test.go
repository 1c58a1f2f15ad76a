package diskguard

import (
	"sync"
	"syscall"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// quotaFS is an in-memory filesystem (Pebble's MemFS) with a byte quota:
// a write past it writes what fits and fails with ENOSPC, like a full disk.
type quotaFS struct {
	vfs.FS
	mu    sync.Mutex
	quota int64
	sizes map[string]int64
}

func newQuotaFS(quota int64) *quotaFS {
	return &quotaFS{FS: vfs.NewMem(), quota: quota, sizes: map[string]int64{}}
}

func (q *quotaFS) used() int64 {
	var u int64
	for _, s := range q.sizes {
		u += s
	}
	return u
}

// grow reserves up to want bytes for name at offset end; it returns how many fit.
func (q *quotaFS) grow(name string, end int64, want int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	cur := q.sizes[name]
	if end+int64(want) <= cur {
		return want
	}
	free := q.quota - q.used()
	extra := end + int64(want) - cur
	if extra <= free {
		q.sizes[name] = end + int64(want)
		return want
	}
	fit := int(cur + free - end)
	if fit < 0 {
		fit = 0
	}
	q.sizes[name] = cur + free
	return fit
}

func (q *quotaFS) set(name string, size int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sizes[name] = size
}

func (q *quotaFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := q.FS.Create(name, c)
	if err != nil {
		return nil, err
	}
	q.set(name, 0)
	return &quotaFile{File: f, q: q, name: name}, nil
}

func (q *quotaFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := q.FS.OpenReadWrite(name, c, opts...)
	if err != nil {
		return nil, err
	}
	st, _ := f.Stat()
	var size int64
	if st != nil {
		size = st.Size()
	}
	return &quotaFile{File: f, q: q, name: name, off: size}, nil
}

func (q *quotaFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	if err := q.Rename(oldname, newname); err != nil {
		return nil, err
	}
	f, err := q.FS.OpenReadWrite(newname, c)
	if err != nil {
		return nil, err
	}
	return &quotaFile{File: f, q: q, name: newname}, nil
}

func (q *quotaFS) Remove(name string) error {
	if err := q.FS.Remove(name); err != nil {
		return err
	}
	q.mu.Lock()
	delete(q.sizes, name)
	q.mu.Unlock()
	return nil
}

func (q *quotaFS) Rename(oldname, newname string) error {
	if err := q.FS.Rename(oldname, newname); err != nil {
		return err
	}
	q.mu.Lock()
	q.sizes[newname] = q.sizes[oldname]
	delete(q.sizes, oldname)
	q.mu.Unlock()
	return nil
}

func (q *quotaFS) GetDiskUsage(string) (vfs.DiskUsage, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.used()
	return vfs.DiskUsage{AvailBytes: uint64(q.quota - u), TotalBytes: uint64(q.quota), UsedBytes: uint64(u)}, nil
}

type quotaFile struct {
	vfs.File
	q    *quotaFS
	name string
	off  int64
}

func (f *quotaFile) Write(p []byte) (int, error) {
	fit := f.q.grow(f.name, f.off, len(p))
	n, err := f.File.Write(p[:fit])
	f.off += int64(n)
	if err == nil && fit < len(p) {
		err = &pathError{f.name}
	}
	return n, err
}

func (f *quotaFile) WriteAt(p []byte, off int64) (int, error) {
	fit := f.q.grow(f.name, off, len(p))
	n, err := f.File.WriteAt(p[:fit], off)
	if err == nil && fit < len(p) {
		err = &pathError{f.name}
	}
	return n, err
}

// Preallocate is a no-op in MemFS; it never reserves quota here.
func (f *quotaFile) Preallocate(int64, int64) error { return nil }

// pathError wraps ENOSPC the way *os.PathError does.
type pathError struct{ name string }

func (e *pathError) Error() string { return "write " + e.name + ": no space left on device" }
func (e *pathError) Unwrap() error { return syscall.ENOSPC }
