package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
)

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{fmt.Errorf("x: %w", model.ErrNotFound), 2},
		{explain(&client.APIError{Status: 404, Code: "NotFound"}, `repo "x"`), 2},
		{explain(fmt.Errorf("w: %w", model.ErrPrecondition), "label"), 3},
		{usagef("bad"), 64},
		{errors.New(`unknown command "x" for "datamon"`), 64},
		{fmt.Errorf("%w: down", client.ErrUnavailable), 1},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if msg := explain(fmt.Errorf("api: %w", model.ErrNotFound), `repo "x"`).Error(); msg != `repo "x" not found` {
		t.Errorf("explain message %q", msg)
	}
}

func TestRender(t *testing.T) {
	ts := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	labels := []model.Label{{Name: "v1", BundleID: "B1", Timestamp: ts}, {Name: "v2", BundleID: "B2", Timestamp: ts}}
	var b bytes.Buffer
	if err := render(&b, "text", fmtLabel, labels); err != nil {
		t.Fatal(err)
	}
	want := "v1 , B1 , 2026-05-06 07:08:09 +0000 UTC\nv2 , B2 , 2026-05-06 07:08:09 +0000 UTC\n"
	if b.String() != want {
		t.Fatalf("labels: %q", b.String())
	}
	b.Reset()
	bundle := model.Bundle{ID: "X", Timestamp: ts, Message: "msg"}
	if err := render(&b, "text", fmtBundle, bundle); err != nil || b.String() != "X , 2026-05-06 07:08:09 +0000 UTC , msg\n" {
		t.Fatalf("bundle: %q %v", b.String(), err)
	}
	b.Reset()
	lv := labelVersions{Label: labels[0], Versions: []model.LabelMove{{To: "B0", Timestamp: ts}, {From: "B0", To: "B1", Timestamp: ts}}}
	if err := render(&b, "text", fmtLabelVers, lv); err != nil || strings.Count(b.String(), "\n") != 3 {
		t.Fatalf("versions: %q %v", b.String(), err)
	}
	b.Reset()
	var none []model.Repo
	if err := render(&b, "json", fmtRepo, none); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Fatalf("nil list json: %q %v", b.String(), err)
	}
	if err := render(&b, "text", "{{.Nope", labels); exitCode(err) != exitUsage {
		t.Fatalf("bad template: %v", err)
	}
	if err := render(&b, "text", "{{.Nope}}", labels); err == nil {
		t.Fatal("template on a missing field accepted")
	}
}

func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "c.yaml", "server: http://file:1\naccess_key: FILEAK\nsecret_key: FILESK\ncontext: filectx\n")
	env := map[string]string{}
	resolve := func(args ...string) (settings, error) {
		a := newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, func(k string) string { return env[k] })
		home := t.TempDir()
		a.home = func() (string, error) { return home, nil }
		root := a.rootCmd()
		if err := root.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		return a.resolve(root)
	}
	// No file anywhere: defaults.
	s, err := resolve()
	if err != nil || s.context != "default" || len(s.file.Server) != 0 {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	// File via env.
	env["DATAMON_CONFIG"] = file
	s, err = resolve()
	if err != nil || s.file.Server[0] != "http://file:1" || s.context != "filectx" || s.file.AccessKey != "FILEAK" {
		t.Fatalf("env config: %+v %v", s, err)
	}
	// Env server beats file; flag beats env; --context beats file.
	env["DATAMON_SERVER"] = "http://env:1,http://env:2"
	env["DATAMON_SECRET_KEY"] = "ENVSK"
	s, _ = resolve()
	if len(s.file.Server) != 2 || s.file.Server[1] != "http://env:2" || s.file.SecretKey != "ENVSK" {
		t.Fatalf("env server: %+v", s)
	}
	s, _ = resolve("--server", "http://flag:1", "--context", "flagctx")
	if len(s.file.Server) != 1 || s.file.Server[0] != "http://flag:1" || s.context != "flagctx" {
		t.Fatalf("flag server: %+v", s)
	}
	// --config beats DATAMON_CONFIG; a named file that is missing is an error.
	if _, err := resolve("--config", "/nonexistent/c.yaml"); err == nil {
		t.Fatal("missing --config file accepted")
	}
	if _, err := resolve("--output", "xml"); exitCode(err) != exitUsage {
		t.Fatalf("bad --output: %v", err)
	}
}
