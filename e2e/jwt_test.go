package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/localcluster"
)

const (
	jwtIss   = "https://idp.e2e.test"
	jwtAud   = "datamon-e2e"
	jwtRole  = "arn:aws:iam::datamon:role/e2e-writer"
	stsLimit = 30 * time.Second // the cluster's max credential lifetime
)

// jwtNodeConfig writes the node config: one issuer whose JWKS file the test
// wrote, a group → grants map and an STS role, with a tiny max lifetime so
// that expiry is observed without waiting AWS's 900 s minimum.
func jwtNodeConfig(t *testing.T, is *jwtauthtest.Issuer) string {
	t.Helper()
	dir := t.TempDir()
	jwks := filepath.Join(dir, "jwks.json")
	if err := is.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`jwt:
  issuers:
    - issuer: %s
      audiences: [%s]
      jwks_file: %s
      grants_claim: groups
      groups:
        data-team: ["default/*=admin"]
sts:
  max_duration: %s
  roles:
    - arn: %s
      grants: ["default/*=write"]
`, jwtIss, jwtAud, jwks, stsLimit, jwtRole)
	path := filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestJWTEndToEnd: a test issuer (keys and JWKS file generated here); the
// CLI with a bearer token; aws sts assume-role-with-web-identity, aws s3 cp
// with the temporary credentials, and their refusal once expired.
func TestJWTEndToEnd(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	aws := s3tool(t, "/usr/bin/aws")
	is, err := jwtauthtest.NewIssuer(jwtIss)
	if err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, 3, 1, "", "--config", jwtNodeConfig(t, is))
	tok := func(ttl time.Duration, aud string) string {
		s, err := is.Sign(2, is.Claims(aud, "alice", ttl, "data-team")) // EdDSA key
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := tok(time.Hour, jwtAud)

	t.Run("CLI", func(t *testing.T) { jwtCLI(t, c, good, tok(-time.Hour, jwtAud), tok(time.Hour, "other-audience")) })
	t.Run("STS", func(t *testing.T) { jwtSTS(t, c, aws, good, tok(-time.Hour, jwtAud)) })
}

func jwtCLI(t *testing.T, c *localcluster.Cluster, good, expired, wrongAud string) {
	// A token user's client.yaml: servers only, no keys, no contributor.
	conf := filepath.Join(t.TempDir(), "client.yaml")
	if err := os.WriteFile(conf, []byte("server: "+strings.Join(c.APIURLs(), ",")+"\nca_file: "+c.CAFile()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, c, "--config", conf, "--token", good, "repo", "create", "--repo", "jwtrepo", "--description", "made with a JWT")
	var r struct {
		Contributor struct{ Name, Email string }
	}
	if err := json.Unmarshal([]byte(mustCLI(t, c, "--config", conf, "--token", good, "repo", "get", "--repo", "jwtrepo", "--output", "json")), &r); err != nil {
		t.Fatal(err)
	}
	if r.Contributor.Name != "alice" || r.Contributor.Email != "alice@example.com" {
		t.Fatalf("contributor %+v, want the token's user", r.Contributor)
	}
	for name, bad := range map[string]string{"expired": expired, "wrong audience": wrongAud, "garbage": "x.y.z"} {
		// The cluster's client.yaml holds the root keys: --token replaces them.
		res := cli(t, c, "--token", bad, "repo", "create", "--repo", "jwtbad", "--description", "d")
		if res.Code == 0 || !strings.Contains(strings.ToLower(res.Stderr), "unauthenticated") {
			t.Errorf("%s token: exit %d: %s", name, res.Code, res.Stderr)
		}
	}
	if res := cli(t, c, "repo", "get", "--repo", "jwtbad"); res.Code != 2 {
		t.Fatalf("refused tokens created jwtbad: exit %d %s", res.Code, res.Stdout)
	}
}

type stsCreds struct {
	Credentials struct {
		AccessKeyId, SecretAccessKey, SessionToken, Expiration string
	}
}

func jwtSTS(t *testing.T, c *localcluster.Cluster, aws, good, expired string) {
	e := newS3ep(t, c, 1)
	base := e.awsEnv(t)
	stsArgs := func(token string) []string {
		return []string{"--endpoint-url", e.url, "sts", "assume-role-with-web-identity", "--role-arn", jwtRole,
			"--role-session-name", "e2e", "--web-identity-token", token, "--duration-seconds", "900", "--output", "json"}
	}
	if out, err := runTool(base, aws, stsArgs(expired)...); err == nil || !strings.Contains(out, "ExpiredTokenException") {
		t.Fatalf("expired web identity token: %v %s", err, out)
	}
	var cr stsCreds
	if err := json.Unmarshal([]byte(mustTool(t, base, aws, stsArgs(good)...)), &cr); err != nil {
		t.Fatal(err)
	}
	exp, err := time.Parse(time.RFC3339, cr.Credentials.Expiration)
	if err != nil || time.Until(exp) > stsLimit+time.Second {
		t.Fatalf("expiration %q (%v): want within %v", cr.Credentials.Expiration, err, stsLimit)
	}
	// Another node verifies credentials this node issued (stateless).
	other := newS3ep(t, c, 2)
	tmp := []string{"AWS_ACCESS_KEY_ID=" + cr.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + cr.Credentials.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + cr.Credentials.SessionToken}
	env := append(append([]string{}, base...), tmp...) // later entries win
	path, body := seededFile(t, 256<<10, 7)
	mustTool(t, env, aws, "--endpoint-url", other.url, "s3", "cp", path, "s3://jwtrepo/sts/file.bin")
	if out := mustTool(t, env, aws, "--endpoint-url", e.url, "s3", "ls", "s3://jwtrepo/sts/"); !strings.Contains(out, "file.bin") {
		t.Fatalf("s3 ls with temporary credentials: %s", out)
	}
	got := filepath.Join(t.TempDir(), "got")
	e.aws(t, "s3", "cp", "s3://jwtrepo/sts/file.bin", got) // root reads back what the token wrote
	if b, _ := os.ReadFile(got); string(b) != string(body) {
		t.Fatal("object written with temporary credentials differs")
	}
	// The role grants write, not admin: no new buckets.
	if out, err := runTool(env, aws, "--endpoint-url", e.url, "s3", "mb", "s3://jwtother"); err == nil {
		t.Fatalf("write-only credentials created a bucket: %s", out)
	}

	// Poll until the credentials expire: PUTs then fail with ExpiredToken.
	small, _ := seededFile(t, 1024, 8)
	deadline := time.Now().Add(stsLimit + 90*time.Second)
	var last string
	for i := 0; ; i++ {
		key := fmt.Sprintf("s3://jwtrepo/late/%03d", i)
		out, err := runTool(env, aws, "--endpoint-url", e.url, "s3", "cp", small, key)
		if err != nil {
			if !strings.Contains(out, "ExpiredToken") {
				t.Fatalf("refused, but not as expired: %s", out)
			}
			last = fmt.Sprintf("late/%03d", i)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("temporary credentials still accepted %v after issue", stsLimit+90*time.Second)
		}
		if time.Now().After(exp.Add(5 * time.Second)) {
			t.Fatalf("PUT accepted at %v, after the credentials' expiration %v", time.Now().UTC(), exp)
		}
	}
	if out, err := e.awsErr(t, "s3api", "head-object", "--bucket", "jwtrepo", "--key", last); err == nil {
		t.Fatalf("the refused PUT stored %s: %s", last, out)
	}
}
