//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	csipb "github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// TestCSISanity runs the Kubernetes CSI conformance suite (csi-test's
// pkg/sanity) against `datamon csi` on a Unix socket, backed by a real
// 3-node cluster; the volumes it provisions name a real bundle, so every
// publish is a real FUSE mount. Skipped by the suite itself, and why:
// staging (NodeStageVolume: not offered, a FUSE mount is made per target),
// NodeGetVolumeStats, NodeExpandVolume, volume health, ListVolumes,
// snapshots, ControllerPublishVolume (no attach step), GetCapacity, group
// snapshots, modify volume — capabilities the driver does not advertise.
func TestCSISanity(t *testing.T) {
	requireFUSE(t)
	c := startCluster(t, 3, 3, "")
	src := t.TempDir()
	fuseMust(t, os.WriteFile(filepath.Join(src, "hello.txt"), []byte("hello from a bundle\n"), 0o644))
	fuseUpload(t, c, "csisanity", src, "v1")

	dir := t.TempDir()
	csiCleanupMounts(t, filepath.Join(dir, "state"))
	d := startCSI(t, c, dir)
	secrets := filepath.Join(dir, "secrets.yaml")
	fuseMust(t, os.WriteFile(secrets, []byte(fmt.Sprintf("NodePublishVolumeSecret:\n  accessKey: %q\n  secretKey: %q\n", c.Secrets.AccessKey, c.Secrets.SecretKey)), 0o600))

	cfg := sanity.NewTestConfig()
	cfg.Address = d.sock
	cfg.TargetPath = filepath.Join(dir, "target")
	cfg.StagingPath = filepath.Join(dir, "staging")
	cfg.SecretsFile = secrets
	cfg.TestVolumeParameters = map[string]string{"repo": "csisanity", "label": "v1"}
	cfg.IdempotentCount = 2
	sanity.Test(t, cfg)
	if rs := csiRecords(t, d.state); len(rs) != 0 {
		t.Errorf("the suite left %d published volumes in the driver's records: %+v", len(rs), rs)
	}
}

// TestCSIVolumes drives NodePublish/NodeUnpublish as the kubelet would: a
// read-only volume shows the bundle and survives a driver crash (and the
// death of its FUSE process, repaired by the restarted driver); a
// read-write volume becomes a bundle on its label at unpublish; with the
// cluster stopped the commit fails, the staged data is kept and a later
// unpublish, once the cluster is back, commits it.
func TestCSIVolumes(t *testing.T) {
	requireFUSE(t)
	c := startCluster(t, 3, 3, "")
	src := t.TempDir()
	fuseMust(t, os.WriteFile(filepath.Join(src, "in.txt"), []byte("input data\n"), 0o644))
	base := fuseUpload(t, c, "csivol", src, "v1")

	dir := t.TempDir()
	csiCleanupMounts(t, filepath.Join(dir, "state"))
	d := startCSI(t, c, dir, "--commit-timeout", "15s")
	pods := t.TempDir()
	rw := csipb.VolumeCapability_AccessMode_SINGLE_NODE_WRITER
	ro := csipb.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY

	// Read-only, by label.
	roTarget := filepath.Join(pods, "pod1", "volumes", "in", "mount")
	fuseMust(t, d.publish(t, c, "csi-in", roTarget, map[string]string{"repo": "csivol", "label": "v1", "csi.storage.k8s.io/pod.name": "pod1"}, ro))
	csiExpectFile(t, filepath.Join(roTarget, "in.txt"), "input data\n")
	if err := os.WriteFile(filepath.Join(roTarget, "x"), []byte("x"), 0o644); err == nil {
		t.Errorf("a write to a read-only volume succeeded")
	}

	// The driver crashes: the mount stays; the FUSE process then dies too,
	// and the restarted driver mounts the bundle again.
	d.kill(t)
	csiExpectFile(t, filepath.Join(roTarget, "in.txt"), "input data\n")
	recs := csiRecords(t, d.state)
	if len(recs) != 1 || recs[0].PID <= 0 {
		t.Fatalf("records after publish: %+v", recs)
	}
	fuseMust(t, syscall.Kill(recs[0].PID, syscall.SIGKILL))
	csiWaitGone(t, recs[0].PID)
	d = startCSI(t, c, dir, "--commit-timeout", "15s")
	csiExpectFile(t, filepath.Join(roTarget, "in.txt"), "input data\n")
	if r := csiRecords(t, d.state); len(r) != 1 || r[0].PID == recs[0].PID {
		t.Errorf("restarted driver did not remount: records %+v (old pid %d)", r, recs[0].PID)
	}
	fuseMust(t, d.unpublish("csi-in", roTarget))
	if fuseMounted(roTarget) {
		t.Errorf("%s still mounted after unpublish", roTarget)
	}
	if _, err := os.Stat(roTarget); !os.IsNotExist(err) {
		t.Errorf("target %s not removed: %v", roTarget, err)
	}
	fuseMust(t, d.unpublish("csi-in", roTarget)) // idempotent

	// Read-write from v1, committed on label out.
	rwTarget := filepath.Join(pods, "pod2", "volumes", "out", "mount")
	attrs := map[string]string{"repo": "csivol", "readOnly": "false", "fromLabel": "v1", "label": "out", "message": "job output"}
	fuseMust(t, d.publish(t, c, "csi-out", rwTarget, attrs, rw))
	fuseMust(t, os.WriteFile(filepath.Join(rwTarget, "result.txt"), []byte("result 1\n"), 0o644))
	fuseMust(t, d.unpublish("csi-out", rwTarget))
	b := csiLabelBundle(t, c, "csivol", "out")
	csiExpectBundleFile(t, c, b, "result.txt", "result 1\n")
	csiExpectBundleFile(t, c, b, "in.txt", "input data\n")
	if b.Message != "job output" || !contains(b.Parents, base.ID) {
		t.Errorf("bundle on out: message %q parents %v, want %q and base %s", b.Message, b.Parents, "job output", base.ID)
	}

	// Read-write again; the cluster stops before the unpublish.
	fuseMust(t, d.publish(t, c, "csi-out2", rwTarget, map[string]string{"repo": "csivol", "readOnly": "false", "fromLabel": "out", "label": "out"}, rw))
	fuseMust(t, os.WriteFile(filepath.Join(rwTarget, "result.txt"), []byte("result 2\n"), 0o644))
	rec := csiRecords(t, d.state)
	if len(rec) != 1 || rec[0].Staging == "" {
		t.Fatalf("records: %+v", rec)
	}
	for i := range c.Nodes {
		fuseMust(t, c.Kill(i))
	}
	start := time.Now()
	err := d.unpublish("csi-out2", rwTarget)
	if code := status.Code(err); code != codes.Unavailable && code != codes.DeadlineExceeded {
		t.Fatalf("unpublish with the cluster down: %v (code %v), want Unavailable or DeadlineExceeded", err, code)
	}
	if el := time.Since(start); el > 60*time.Second {
		t.Errorf("failed unpublish took %v, bound 15s commit timeout", el)
	}
	if _, serr := os.Stat(filepath.Join(rec[0].Staging, "tree", "result.txt")); serr != nil {
		t.Fatalf("staging data lost after the failed commit (%v): %v", err, serr)
	}
	for i := range c.Nodes {
		fuseMust(t, c.Restart(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fuseMust(t, c.WaitReady(ctx, 90*time.Second))
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := d.unpublish("csi-out2", rwTarget)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unpublish retry never succeeded: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	b2 := csiLabelBundle(t, c, "csivol", "out")
	if b2.ID == b.ID {
		t.Fatalf("label out did not move after the retried commit")
	}
	csiExpectBundleFile(t, c, b2, "result.txt", "result 2\n")
	if _, err := os.Stat(rec[0].Staging); !os.IsNotExist(err) {
		t.Errorf("staging %s kept after a successful commit: %v", rec[0].Staging, err)
	}
	if r := csiRecords(t, d.state); len(r) != 0 {
		t.Errorf("records left: %+v", r)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func csiExpectFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("read %s: %q, %v; want %q", path, got, err, want)
	}
}

func csiWaitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(b), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func csiLabelBundle(t *testing.T, c *localcluster.Cluster, repo, label string) model.Bundle {
	t.Helper()
	cl, err := c.Client()
	fuseMust(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := cl.GetLabel(ctx, "default", repo, label)
	fuseMust(t, err)
	b, err := cl.GetBundle(ctx, "default", repo, l.BundleID)
	fuseMust(t, err)
	return b
}

// csiExpectBundleFile checks a file of bundle b through the manifest.
func csiExpectBundleFile(t *testing.T, c *localcluster.Cluster, b model.Bundle, path, want string) {
	t.Helper()
	cl, err := c.Client()
	fuseMust(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := manifest.Open(ctx, cl, b.ManifestRoot)
	fuseMust(t, err)
	e, err := r.Lookup(ctx, path)
	if err != nil {
		t.Fatalf("bundle %s: %s: %v", b.ID, path, err)
	}
	var got []byte
	for _, ch := range e.Chunks {
		data, err := cl.GetChunk(ctx, ch.ID)
		fuseMust(t, err)
		got = append(got, data...)
	}
	if string(got) != want {
		t.Errorf("bundle %s: %s = %q, want %q", b.ID, path, got, want)
	}
}
