package chunk

// gear is the FastCDC rolling-hash table: 256 fixed pseudo-random words
// (splitmix64 from a constant seed). It is computed once and never written,
// so chunk boundaries are identical across processes and versions.
var gear = func() (t [256]uint64) {
	x := uint64(0x6a09e667f3bcc908) // fixed seed: changing it changes every chunk ID
	for i := range t {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		t[i] = z ^ (z >> 31)
	}
	return t
}()

// cut returns the length of the first chunk of b (len(b) <= Max) using
// FastCDC with normalized chunking (level 2): a harder mask before Avg, an
// easier one after, no cut before Min. The hash looks at the top bits, which
// depend on the last 64 bytes, so boundaries only depend on nearby content.
func cut(b []byte, minSize, avg int, maskS, maskL uint64) int {
	n := len(b)
	if n <= minSize {
		return n
	}
	normal := avg
	if n < normal {
		normal = n
	}
	var fp uint64
	i := minSize
	for ; i < normal; i++ {
		fp = (fp << 1) + gear[b[i]]
		if fp&maskS == 0 {
			return i + 1
		}
	}
	for ; i < n; i++ {
		fp = (fp << 1) + gear[b[i]]
		if fp&maskL == 0 {
			return i + 1
		}
	}
	return n
}
