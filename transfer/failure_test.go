package transfer

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fastRetry(c Config) Config {
	c.Backoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	return c
}

func TestUploadFailureCommitsNothing(t *testing.T) {
	src := edgeTree(t)
	st, com := newMemStore(), &memCommitter{}
	st.failPutsAfter = 3
	_, _, err := Upload(context.Background(), st, com, UploadOptions{Repo: "r", Path: src, Config: fastRetry(Config{Retries: 2})})
	if !errors.Is(err, errTransient) {
		t.Fatalf("upload with a dead store: %v", err)
	}
	if len(com.bundles) != 0 {
		t.Fatal("a bundle was committed after a failed upload")
	}
	// Cancelled mid-upload: nothing committed either; then a retry succeeds.
	st.failPutsAfter = 0
	ctx, cancel := context.WithCancel(context.Background())
	var once bool
	_, _, err = Upload(ctx, st, com, UploadOptions{Repo: "r", Path: src, Config: Config{
		ProgressEvery: time.Microsecond,
		Progress: func(p Progress) {
			if p.Bytes > 0 && !once {
				once = true
				cancel()
			}
		}}})
	if !errors.Is(err, context.Canceled) || len(com.bundles) != 0 {
		t.Fatalf("cancelled upload: %v, %d bundles", err, len(com.bundles))
	}
	b, _ := upload(t, st, com, UploadOptions{Path: src})
	if len(com.bundles) != 1 || b.ID == "" {
		t.Fatal("retry after cancel did not commit")
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	src := edgeTree(t)
	st, com := newMemStore(), &memCommitter{}
	st.failFirst = true // the first attempt of every call fails
	cfg := fastRetry(Config{Concurrency: 2})
	b, _, err := Upload(context.Background(), st, com, UploadOptions{Repo: "r", Path: src, Config: cfg})
	if err != nil {
		t.Fatalf("upload through a flaky store: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "d")
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, Config: cfg}); err != nil {
		t.Fatalf("download through a flaky store: %v", err)
	}
	sameTree(t, src, dst)
	// No retries: the same store fails the transfer.
	cfg.Retries = -1
	st.tried.Clear()
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: t.TempDir(), Config: cfg}); !errors.Is(err, errTransient) {
		t.Fatalf("download without retries: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{{Concurrency: -1}, {MaxInFlight: 10}, {HasBatch: -5}, {Retries: -2}, {Backoff: time.Second, MaxBackoff: time.Millisecond}} {
		if err := c.Validate(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if _, _, err := Upload(context.Background(), newMemStore(), &memCommitter{}, UploadOptions{Path: t.TempDir()}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("upload without repo: %v", err)
	}
}

func TestParseFileList(t *testing.T) {
	got, err := ParseFileList(strings.NewReader("a.txt\r\n\n./b/c\n  \nd e/f\n"))
	if err != nil || strings.Join(got, "|") != "a.txt|b/c|d e/f" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"../x\n", "/abs\n", "a//b\n", "a/\n", ".datamon/x\n", "x\x00y\n", strings.Repeat("a", 5000) + "\n"} {
		if _, err := ParseFileList(strings.NewReader(bad)); !errors.Is(err, ErrBadFileList) {
			t.Errorf("%.20q: %v", bad, err)
		}
	}
}

func FuzzParseFileList(f *testing.F) {
	for _, s := range []string{"a\nb/c\n", "./x\r\n", "../x", "/x", "a//b", "", "\n\n", ".datamon/y"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		paths, err := ParseFileList(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrBadFileList) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		for _, p := range paths {
			if _, err := ResolvePath("/nonexistent-root", p); err != nil {
				t.Fatalf("accepted %q that does not resolve: %v", p, err)
			}
			if IsReserved(p) || strings.Contains(p, "\n") {
				t.Fatalf("accepted %q", p)
			}
		}
	})
}
