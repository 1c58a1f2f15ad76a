package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datamon-io/datamon/certs"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/peer"
)

// s3TLSOnly proves the S3 client suite really ran over https with the
// cluster CA: the endpoint is https, every client that passes with the CA
// bundle fails without it (certificate verification), and plain HTTP to
// the port gets a readable 400.
func s3TLSOnly(t *testing.T, c *localcluster.Cluster, node int) {
	e := newS3ep(t, c, node)
	if !e.tls() || e.ca == "" {
		t.Fatalf("the S3 suite runs against %s without a CA: the harness must start clusters with TLS", e.url)
	}
	refused := func(t *testing.T, what, out string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s without the CA bundle succeeded: %s", what, out)
		}
		low := strings.ToLower(out)
		if !strings.Contains(low, "certificate") && !strings.Contains(low, "ssl") && !strings.Contains(low, "x509") {
			t.Fatalf("%s without the CA failed, but not on the certificate: %v\n%s", what, err, out)
		}
	}
	e.aws(t, "s3", "mb", "s3://tlsonly")
	t.Run("awscli", func(t *testing.T) {
		aws := s3tool(t, "/usr/bin/aws")
		env := slices.DeleteFunc(e.awsEnv(t), func(kv string) bool { return strings.HasPrefix(kv, "AWS_CA_BUNDLE=") })
		out, err := runTool(env, aws, "--endpoint-url", e.url, "s3", "ls")
		refused(t, "aws s3 ls", out, err)
		if out := e.aws(t, "s3", "ls"); !strings.Contains(out, "tlsonly") {
			t.Fatalf("aws s3 ls with the CA: %s", out)
		}
	})
	t.Run("s3cmd", func(t *testing.T) {
		s3cmd := s3tool(t, "s3cmd")
		cfg := filepath.Join(e.home, "s3cfg-noca")
		os.WriteFile(cfg, []byte("[default]\naccess_key = "+e.ak+"\nsecret_key = "+e.sk+"\nhost_base = "+e.addr+
			"\nhost_bucket = "+e.addr+"\nuse_https = True\ncheck_ssl_certificate = True\nsignature_v2 = False\n"), 0o600)
		out, err := runTool([]string{"HOME=" + e.home}, s3cmd, "-c", cfg, "ls")
		refused(t, "s3cmd ls", out, err)
	})
	t.Run("rclone", func(t *testing.T) {
		rclone := s3tool(t, "rclone")
		out, err := runTool([]string{"HOME=" + e.home, "RCLONE_CONFIG=" + filepath.Join(e.home, "rclone.conf")}, rclone,
			"lsd", ":s3:", "--s3-provider", "Other", "--s3-endpoint", e.url, "--s3-access-key-id", e.ak,
			"--s3-secret-access-key", e.sk, "--s3-region", "us-east-1", "--s3-force-path-style=true", "--retries", "1", "--low-level-retries", "1")
		refused(t, "rclone lsd", out, err)
	})
	t.Run("boto3", func(t *testing.T) {
		py := s3tool(t, "/usr/bin/python3")
		script := `import boto3, os
s3 = boto3.client("s3", endpoint_url=os.environ["EP"], region_name="us-east-1",
    aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"])
print([b["Name"] for b in s3.list_buckets()["Buckets"]])`
		env := []string{"EP=" + e.url, "AK=" + e.ak, "SK=" + e.sk, "HOME=" + e.home, "AWS_MAX_ATTEMPTS=1"}
		out, err := runTool(env, py, "-c", script)
		refused(t, "boto3 list_buckets", out, err)
		if out := mustTool(t, append(env, e.caEnv()...), py, "-c", script); !strings.Contains(out, "tlsonly") {
			t.Fatalf("boto3 with AWS_CA_BUNDLE: %s", out)
		}
	})
	t.Run("go-sdk", func(t *testing.T) {
		cl := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), UsePathStyle: true, RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(e.ak, e.sk, "")})
		_, err := cl.ListBuckets(context.Background(), &s3.ListBucketsInput{})
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("aws-sdk-go-v2 with the system roots: %v, want a certificate error", err)
		}
	})
	t.Run("plain-http", func(t *testing.T) {
		plainHTTP400(t, "http://"+e.addr+"/")
	})
}

// plainHTTP400 GETs a plain http:// URL of a TLS port: a 400 that says why.
func plainHTTP400(t *testing.T, url string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("plain HTTP to %s: %v (want a 400 answer)", url, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "HTTP request to an HTTPS server") {
		t.Fatalf("plain HTTP to %s: %d %q", url, resp.StatusCode, b)
	}
}

// logsContain reports whether any log of nodes holds every one of subs on one line.
func logsContain(nodes []*localcluster.Node, subs ...string) bool {
	for _, n := range nodes {
		b, _ := os.ReadFile(n.LogPath())
		for _, line := range strings.Split(string(b), "\n") {
			all := true
			for _, s := range subs {
				all = all && strings.Contains(line, s)
			}
			if all {
				return true
			}
		}
	}
	return false
}

// TestTLSForeignCANode: a node holding the cluster secret (so gossip lets it
// in) but a certificate of another CA cannot join: every cluster port
// refuses it at the TLS layer, it never enters the layout or the Raft
// group, and the cluster keeps reading and writing. Plain HTTP to the API
// and RPC ports fails with a clean 400, Raft drops garbage, and a node
// certificate replaced on disk is served after SIGHUP without a restart
// (polling is off in this cluster, so only the signal can do it).
func TestTLSForeignCANode(t *testing.T) {
	c := startCluster(t, 3, 3, "", "--tls-reload-interval=-1s")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	before, err := cl.ClusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The rogue's certificate, from its own CA, made with `datamon cert`.
	pki := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		if out, err := runDatamon(args...); err != nil {
			t.Fatalf("datamon %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("cert", "ca", "--dir", pki)
	run("cert", "node", "--ca-dir", pki, "--name", "node4", "--san", "127.0.0.1,localhost", "--out", pki)
	rogueCert, rogueKey := filepath.Join(pki, "node4.crt"), filepath.Join(pki, "node4.key")
	// A node checks its own certificate against its CA file at start, so the
	// rogue trusts its own CA (it could not start with the cluster's).
	rogue, err := c.AddNode("site1", "--tls-cert-file", rogueCert, "--tls-key-file", rogueKey,
		"--tls-ca-file", filepath.Join(pki, certs.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	pollUntil(t, time.Minute, "gossip to report the rogue node alive", func() bool {
		ms, err := cl.Members(ctx)
		if err != nil {
			return false
		}
		return slices.ContainsFunc(ms, func(m client.Member) bool { return m.ID == rogue.ID && m.State == "alive" })
	})

	// Its certificate is refused on the RPC port (by any client presenting it).
	pair, err := tls.LoadX509KeyPair(rogueCert, rogueKey)
	if err != nil {
		t.Fatal(err)
	}
	node := peerTLS(t, c, 0)
	rogueTLS := func(addr string) (*tls.Config, error) {
		cfg, err := node.ClientConfig(addr)
		if err != nil {
			return nil, err
		}
		// Always send it: with Certificates, crypto/tls would send none
		// (its issuer is not among the CAs the server asks for).
		cfg.Certificates = nil
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
		return cfg, nil
	}
	secret := []byte(c.Secrets.ClusterSecret)
	bad := peer.NewClient(peer.ClientConfig{Secret: secret, TLS: rogueTLS, Timeout: 10 * time.Second})
	defer bad.Close()
	good := peer.NewClient(peer.ClientConfig{Secret: secret, TLS: node.ClientConfig, Timeout: 10 * time.Second})
	defer good.Close()
	for _, n := range c.Nodes[:3] {
		// TLS 1.3: the server's refusal arrives after the client's side of
		// the handshake, as a closed connection; the node logs why.
		if _, err := bad.Call(ctx, n.RPCAddr(), "/internal/ping", nil); err == nil {
			t.Errorf("%s RPC with the rogue certificate answered", n.ID)
		}
		if _, err := good.Call(ctx, n.RPCAddr(), "/internal/ping", nil); err != nil {
			t.Errorf("%s RPC with a cluster certificate: %v", n.ID, err)
		}
	}

	pollUntil(t, 30*time.Second, "the nodes to log the refused client certificate", func() bool {
		return logsContain(c.Nodes[:3], "TLS handshake refused", "certificate signed by unknown authority")
	})

	// The cluster is unaffected: writes and reads work, and the rogue is in
	// neither the layout nor the Raft group.
	src := filepath.Join(t.TempDir(), "src")
	writeSeeded(t, filepath.Join(src, "a.bin"), 300<<10, 41, 0o644)
	writeSeeded(t, filepath.Join(src, "d/b.bin"), 90<<10, 42, 0o644)
	mustCLI(t, c, "repo", "create", "--repo", "tlsrepo", "--description", "x")
	mustCLI(t, c, "bundle", "upload", "--repo", "tlsrepo", "--path", src, "--message", "with a rogue around")
	dst := t.TempDir()
	mustCLI(t, c, "bundle", "download", "--repo", "tlsrepo", "--label", "main", "--destination", dst)
	compareTrees(t, fileDigest(t, src), fileDigest(t, dst))
	after, err := cl.ClusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.LayoutVersion != before.LayoutVersion {
		t.Errorf("layout changed from version %d to %d with the rogue node around", before.LayoutVersion, after.LayoutVersion)
	}
	if slices.Contains(after.Voters, rogue.ID) || slices.Contains(after.NonVoters, rogue.ID) {
		t.Errorf("rogue node in the Raft group: voters %v non-voters %v", after.Voters, after.NonVoters)
	}
	pollUntil(t, time.Minute, "the cluster to refuse the rogue at admission", func() bool {
		return logsContain(c.Nodes[:3], "not admitting", "server="+rogue.ID)
	})
	if !rogue.Running() {
		t.Log("rogue node exited (fine: it could not join)")
	}

	// Plain HTTP to the API and RPC ports; garbage to Raft.
	plainHTTP400(t, "http://"+strings.TrimPrefix(c.Nodes[1].APIURL(), "https://")+"/healthz")
	plainHTTP400(t, "http://"+c.Nodes[1].RPCAddr()+"/internal/ping")
	raftGarbage(t, c.Nodes[1].Ports.Raft)
	if _, err := cl.ClusterStatus(ctx); err != nil {
		t.Fatalf("cluster after plain-HTTP probes: %v", err)
	}

	sighupRotation(t, c, 0)
}

// runDatamon runs the datamon binary and returns its combined output.
func runDatamon(args ...string) (string, error) {
	out, err := osexec.Command(binary, args...).CombinedOutput()
	return string(out), err
}

// raftGarbage sends an HTTP request to the Raft port: the TLS handshake
// fails and the connection is closed (no answer, no hang).
func raftGarbage(t *testing.T, port int) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	b, err := io.ReadAll(conn)
	if err != nil || bytes.Contains(b, []byte("HTTP/1.1 200")) {
		t.Fatalf("raft port after garbage: %q %v, want the connection closed", b, err)
	}
}

// sighupRotation replaces node i's certificate on disk with a new one of the
// same CA (`datamon cert node` to the same paths) and sends SIGHUP: the
// node serves the new certificate on its API and keeps working.
func sighupRotation(t *testing.T, c *localcluster.Cluster, i int) {
	t.Helper()
	n := c.Nodes[i]
	serial := func() string {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", strings.TrimPrefix(n.APIURL(), "https://"),
			&tls.Config{RootCAs: trustedPool(), ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("TLS to %s: %v", n.ID, err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Text(16)
	}
	old := serial()
	if out, err := runDatamon("cert", "node", "--ca-dir", c.TLSDir(), "--name", n.ID, "--san", "127.0.0.1,localhost", "--out", c.TLSDir()); err != nil {
		t.Fatalf("cert node: %v\n%s", err, out)
	}
	certFile, _ := n.TLSFiles()
	b, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := certs.ParseCertificatesPEM(b)
	if err != nil {
		t.Fatal(err)
	}
	want := chain[0].SerialNumber.Text(16)
	if want == old {
		t.Fatal("new certificate has the old serial")
	}
	if got := serial(); got != old {
		t.Fatalf("certificate changed to %s before SIGHUP with polling off", got)
	}
	if err := syscall.Kill(n.PID(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, 30*time.Second, "the rotated certificate to be served", func() bool { return serial() == want })
	if !n.Running() {
		t.Fatal("node exited on SIGHUP")
	}
	mustCLI(t, c, "--server", n.APIURL(), "repo", "list")
}
