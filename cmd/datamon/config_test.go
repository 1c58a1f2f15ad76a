package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/client"
)

func TestConfigSetWritesDefaultFileThatWorks(t *testing.T) {
	e := newSmallEnv(t)
	delete(e.env, "DATAMON_CONFIG") // the default file: ~/.datamon/client.yaml
	path := filepath.Join(e.home, ".datamon", "client.yaml")
	cred := writeFile(t, "cluster.yaml", "cluster_secret: xyz\naccess_key: AKCLI\nsecret_key: cli-secret\nmetrics_token: t\n")
	_, errOut, code := e.exec(t, "config", "set", "--server", "http://node1:7001", "--context", "default", "--credential", cred)
	if code != 0 || errOut != "wrote "+path+"\n" {
		t.Fatalf("config set: %d %q", code, errOut)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("written file: %v %v", st, err)
	}
	// The file is what the other commands read: they reach the server with it.
	e.must(t, "repo", "create", "--repo", "viaconfig", "--description", "d")
	if out := e.must(t, "repo", "list", "--format", "{{.Name}}"); out != "viaconfig\n" {
		t.Fatalf("repo list with the written config: %q", out)
	}
}

func TestConfigSetMerges(t *testing.T) {
	e := newSmallEnv(t)
	path := writeFile(t, "client.yaml", "server: http://a:1\nname: Jane\nemail: jane@x\ns3_endpoint: http://a:9\n")
	e.env["DATAMON_CONFIG"] = path
	// The alias; only --context changes.
	if _, errOut, code := e.exec(t, "config", "create", "--context", "prod"); code != 0 || errOut != "wrote "+path+"\n" {
		t.Fatalf("config create: %d %q", code, errOut)
	}
	fc, err := client.LoadFileConfig(path)
	if err != nil || fc.Context != "prod" || fc.Name != "Jane" || fc.Email != "jane@x" || fc.S3Endpoint != "http://a:9" ||
		len(fc.Server) != 1 || fc.Server[0] != "http://a:1" {
		t.Fatalf("merged: %+v %v", fc, err)
	}
	// --config wins over DATAMON_CONFIG; environment values are not written.
	other := filepath.Join(t.TempDir(), "other.yaml")
	e.env["DATAMON_SERVER"] = "http://env:1"
	out, _, code := e.exec(t, "--output", "json", "--config", other, "config", "set", "--server", "http://b:2,http://c:3",
		"--credential", writeFile(t, "cred.yaml", "access_key: AK2\nsecret_key: SECRET2\n"))
	var res configSetResult
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || res.Path != other ||
		strings.Join(res.Server, ",") != "http://b:2,http://c:3" || res.AccessKey != "AK2" || strings.Contains(out, "SECRET2") {
		t.Fatalf("json: %d %v %q", code, err, out)
	}
	if fc, err := client.LoadFileConfig(other); err != nil || fc.SecretKey != "SECRET2" || len(fc.Server) != 2 {
		t.Fatalf("other: %+v %v", fc, err)
	}
	if fc2, _ := client.LoadFileConfig(path); fc2.Server[0] != "http://a:1" {
		t.Fatalf("DATAMON_CONFIG's file changed: %+v", fc2)
	}
}

func TestConfigSetRefusesBadInput(t *testing.T) {
	e := newSmallEnv(t)
	good := "server: http://a:1\n"
	path := writeFile(t, "client.yaml", good)
	e.env["DATAMON_CONFIG"] = path
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"config", "set"}, exitUsage, "nothing to set"},
		{[]string{"config", "set", "--server", "ftp://x"}, exitUsage, `--server: `},
		{[]string{"config", "set", "--server", " , "}, exitUsage, "--server: no URL"},
		{[]string{"config", "set", "--context", "Bad Name"}, exitUsage, "--context: "},
		{[]string{"config", "set", "--credential", writeFile(t, "c.yaml", "access_key: AK\n")}, exitUsage, "want both access_key and secret_key"},
		{[]string{"config", "set", "--credential", filepath.Join(t.TempDir(), "none")}, exitUsage, "--credential: "},
		{[]string{"config", "set", "extra"}, exitUsage, "takes no arguments"},
		{[]string{"config", "sett"}, exitUsage, "did you mean set"},
	} {
		_, errOut, code := e.exec(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: %d %q, want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
		if b, _ := os.ReadFile(path); string(b) != good {
			t.Fatalf("%v changed the file: %q", tc.args, b)
		}
	}
	// A file that does not parse is not overwritten.
	bad := "server: http://a:1\nsevrer: typo\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := e.exec(t, "config", "set", "--context", "x"); code != exitError || !strings.Contains(errOut, "sevrer") {
		t.Fatalf("unparsable file: %d %q", code, errOut)
	}
	if b, _ := os.ReadFile(path); string(b) != bad {
		t.Fatalf("unparsable file overwritten: %q", b)
	}
}
