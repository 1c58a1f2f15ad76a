//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	csipb "github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/datamon-io/datamon/localcluster"
)

// csiDriver is a `datamon csi` process and a gRPC connection to it.
type csiDriver struct {
	sock, state string
	cmd         *exec.Cmd
	exited      chan struct{}
	log         *fuseBuf
	conn        *grpc.ClientConn
	node        csipb.NodeClient
}

// startCSI starts `datamon csi` on a socket in dir with its state in
// dir/state (kept across restarts). Cleanup stops it, then unmounts every
// target its records name and kills their detached FUSE processes.
func startCSI(t *testing.T, c *localcluster.Cluster, dir string, extra ...string) *csiDriver {
	t.Helper()
	d := &csiDriver{sock: filepath.Join(dir, "csi.sock"), state: filepath.Join(dir, "state"), exited: make(chan struct{}), log: &fuseBuf{}}
	args := append([]string{"csi", "--endpoint", "unix://" + d.sock, "--node-id", "node-a", "--state-dir", d.state,
		"--cluster", strings.Join(c.APIURLs(), ","), "--log-level", "debug"}, extra...)
	if ca := c.CAFile(); ca != "" {
		args = append(args, "--cluster-ca-file", ca)
	}
	d.cmd = exec.Command(binary, args...)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	d.cmd.SysProcAttr = dieWithTest()
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		d.stop(t)
		if t.Failed() {
			t.Logf("csi driver log:\n%s", d.log)
			logs, _ := filepath.Glob(filepath.Join(d.state, "logs", "*", "*", "*"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("mount log %s:\n%s", l, b)
			}
		}
	})
	conn, err := grpc.NewClient("unix://"+d.sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	// Ready once Probe answers (a killed driver's socket file may linger).
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := csipb.NewIdentityClient(conn).Probe(ctx, &csipb.ProbeRequest{})
		cancel()
		if err == nil {
			break
		}
		select {
		case <-d.exited:
			t.Fatalf("datamon csi exited before serving:\n%s", d.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("datamon csi: no answer to Probe after 30s (%v):\n%s", err, d.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.conn, d.node = conn, csipb.NewNodeClient(conn)
	return d
}

// kill ends the driver process abruptly (SIGKILL), as a crash or an
// upgrade would; the FUSE processes live on.
func (d *csiDriver) kill(t *testing.T) {
	t.Helper()
	d.conn.Close()
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
}

func (d *csiDriver) stop(t *testing.T) {
	select {
	case <-d.exited:
	default:
		d.conn.Close()
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(30 * time.Second):
			t.Errorf("datamon csi did not stop on SIGTERM")
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
	}
}

// csiRecord is what the test reads of the driver's mount records.
type csiRecord struct {
	Target  string `json:"target"`
	PID     int    `json:"pid"`
	Staging string `json:"staging"`
}

func csiRecords(t *testing.T, state string) []csiRecord {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(state, "volumes", "*.json"))
	var out []csiRecord
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r csiRecord
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("record %s: %v", f, err)
		}
		out = append(out, r)
	}
	return out
}

// csiCleanupMounts unmounts what the records of state name and kills the
// detached FUSE processes (they are in their own session: Pdeathsig does
// not reach them). Registered before the driver so it runs after it.
func csiCleanupMounts(t *testing.T, state string) {
	t.Cleanup(func() {
		for _, r := range csiRecords(t, state) {
			if fuseMounted(r.Target) {
				_ = exec.Command("fusermount3", "-u", "-z", r.Target).Run()
			}
			if r.PID > 0 {
				_ = syscall.Kill(r.PID, syscall.SIGKILL)
			}
		}
	})
}

// csiMountCap is a mount volume capability with mode.
func csiMountCap(mode csipb.VolumeCapability_AccessMode_Mode) *csipb.VolumeCapability {
	return &csipb.VolumeCapability{
		AccessType: &csipb.VolumeCapability_Mount{Mount: &csipb.VolumeCapability_MountVolume{}},
		AccessMode: &csipb.VolumeCapability_AccessMode{Mode: mode},
	}
}

// csiPublish publishes volume id at target as the kubelet would.
func (d *csiDriver) publish(t *testing.T, c *localcluster.Cluster, id, target string, attrs map[string]string, mode csipb.VolumeCapability_AccessMode_Mode) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := d.node.NodePublishVolume(ctx, &csipb.NodePublishVolumeRequest{
		VolumeId: id, TargetPath: target, VolumeCapability: csiMountCap(mode), VolumeContext: attrs,
		Secrets: map[string]string{"accessKey": c.Secrets.AccessKey, "secretKey": c.Secrets.SecretKey},
	})
	return err
}

func (d *csiDriver) unpublish(id, target string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := d.node.NodeUnpublishVolume(ctx, &csipb.NodeUnpublishVolumeRequest{VolumeId: id, TargetPath: target})
	return err
}
