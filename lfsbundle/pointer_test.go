package lfsbundle

import (
	"strings"
	"testing"

	"github.com/datamon-io/datamon/model"
)

const goodPointer = "version https://git-lfs.github.com/spec/v1\n" +
	"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"

func TestParsePointer(t *testing.T) {
	p, err := ParsePointer([]byte(goodPointer))
	if err != nil || p.Size != 12345 || p.OID[:8] != "4d7a2146" {
		t.Fatalf("%+v %v", p, err)
	}
	for _, bad := range []string{
		"", "hello\n", strings.TrimSuffix(goodPointer, "\n"),
		strings.Replace(goodPointer, "size 12345", "size -1", 1),
		strings.Replace(goodPointer, "size 12345", "size 012", 1),
		strings.Replace(goodPointer, "sha256:4d", "sha256:4D", 1),
		strings.Replace(goodPointer, "oid", "zzz", 1), // keys out of order, no oid
		goodPointer + "oid sha256:" + strings.Repeat("a", 64) + "\n",
	} {
		if _, err := ParsePointer([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzParsePointer(f *testing.F) {
	f.Add([]byte(goodPointer))
	f.Add([]byte("version https://git-lfs.github.com/spec/v1\next-0-foo x\noid sha256:" + strings.Repeat("0", 64) + "\nsize 0\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePointer(b)
		if err != nil {
			return
		}
		if !model.ValidLFSOID(p.OID) || p.Size < 0 || len(b) > MaxPointerSize {
			t.Fatalf("accepted %+v from %q", p, b)
		}
	})
}
