package csi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	csipb "github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// NodeGetInfo names this node; bundles are reachable from every node, so
// there is no topology.
func (d *Driver) NodeGetInfo(context.Context, *csipb.NodeGetInfoRequest) (*csipb.NodeGetInfoResponse, error) {
	return &csipb.NodeGetInfoResponse{NodeId: d.cfg.NodeID, MaxVolumesPerNode: d.cfg.MaxVolumesPerNode}, nil
}

// NodeGetCapabilities: none beyond publish and unpublish (no staging: a
// FUSE mount is made per target).
func (d *Driver) NodeGetCapabilities(context.Context, *csipb.NodeGetCapabilitiesRequest) (*csipb.NodeGetCapabilitiesResponse, error) {
	return &csipb.NodeGetCapabilitiesResponse{}, nil
}

// NodePublishVolume mounts the volume's bundle at the target path through
// a detached FUSE process and records it.
func (d *Driver) NodePublishVolume(ctx context.Context, req *csipb.NodePublishVolumeRequest) (*csipb.NodePublishVolumeResponse, error) {
	id, target := req.GetVolumeId(), req.GetTargetPath()
	switch {
	case id == "":
		return nil, status.Error(codes.InvalidArgument, "volume ID is required")
	case target == "":
		return nil, status.Error(codes.InvalidArgument, "target path is required")
	case req.GetVolumeCapability() == nil:
		return nil, status.Error(codes.InvalidArgument, "volume capability is required")
	case !filepath.IsAbs(target):
		return nil, status.Errorf(codes.InvalidArgument, "target path %q is not absolute", target)
	}
	if err := checkCaps([]*csipb.VolumeCapability{req.GetVolumeCapability()}); err != nil {
		return nil, err
	}
	vol, err := ParseVolume(req.GetVolumeContext(), req.GetReadonly())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	creds, err := ParseCredentials(req.GetSecrets())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if !vol.ReadOnly && !writerMode(req.GetVolumeCapability().GetAccessMode().GetMode()) {
		return nil, status.Errorf(codes.InvalidArgument, "a read-write volume needs a single-node writer access mode, not %v", req.GetVolumeCapability().GetAccessMode().GetMode())
	}
	defer d.locks.lock(id)()

	if r, ok, err := d.state.load(id, target); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	} else if ok {
		if r.Volume != vol {
			return nil, status.Errorf(codes.AlreadyExists, "volume %s is published at %s with other attributes", id, target)
		}
		if m, _ := mounted(target); m && alive(r.PID) && healthy(target) {
			return &csipb.NodePublishVolumeResponse{}, nil
		}
		if r.Unmounted {
			return nil, status.Errorf(codes.FailedPrecondition, "volume %s at %s awaits the retry of its commit: unpublish it first", id, target)
		}
	}
	if !vol.ReadOnly && len(d.state.volumesOf(id)) > 0 {
		return nil, status.Errorf(codes.FailedPrecondition, "read-write volume %s is already published at another target", id)
	}
	if err := d.publish(ctx, id, target, vol, creds); err != nil {
		return nil, err
	}
	return &csipb.NodePublishVolumeResponse{}, nil
}

func writerMode(m csipb.VolumeCapability_AccessMode_Mode) bool {
	switch m {
	case csipb.VolumeCapability_AccessMode_SINGLE_NODE_WRITER, csipb.VolumeCapability_AccessMode_SINGLE_NODE_SINGLE_WRITER,
		csipb.VolumeCapability_AccessMode_SINGLE_NODE_MULTI_WRITER:
		return true
	}
	return false
}

// publish mounts vol at target and saves the record.
func (d *Driver) publish(ctx context.Context, id, target string, vol Volume, creds Credentials) error {
	if m, _ := mounted(target); m { // a dead FUSE server's mount
		if err := unmount(target); err != nil {
			return status.Errorf(codes.Internal, "clear stale mount: %v", err)
		}
	}
	if err := os.MkdirAll(target, 0o750); err != nil {
		return status.Errorf(codes.Internal, "create target %s: %v", target, err)
	}
	r := record{VolumeID: id, Target: target, Volume: vol, Creds: creds}
	if !vol.ReadOnly {
		r.Staging = filepath.Join(d.cfg.StateDir, "staging", key(id, target))
	}
	// Saved first: a driver that dies mid-mount finds the record.
	if err := d.state.save(r); err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	mctx, cancel := context.WithTimeout(ctx, d.cfg.MountTimeout)
	defer cancel()
	out, err := d.run(mctx, creds, vol.mountArgs(target, r.Staging, id)...)
	if err == nil {
		r.PID, err = parsePID(out)
	}
	if err != nil {
		_ = d.state.remove(r)
		if r.Staging != "" {
			_ = os.RemoveAll(r.Staging)
		}
		code := codes.Internal
		if errors.Is(err, context.DeadlineExceeded) {
			code = codes.DeadlineExceeded
		}
		return status.Errorf(code, "%v: %v", ErrMount, err)
	}
	if err := d.state.save(r); err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	d.cfg.Logger.Info("published", "volume", id, "target", target, "repo", vol.Repo, "readOnly", vol.ReadOnly, "pid", r.PID)
	return nil
}

// NodeUnpublishVolume unmounts the target, waits for its FUSE process and,
// for a read-write volume, makes sure the commit landed (retrying it when
// the FUSE process's own commit failed).
func (d *Driver) NodeUnpublishVolume(ctx context.Context, req *csipb.NodeUnpublishVolumeRequest) (*csipb.NodeUnpublishVolumeResponse, error) {
	id, target := req.GetVolumeId(), req.GetTargetPath()
	switch {
	case id == "":
		return nil, status.Error(codes.InvalidArgument, "volume ID is required")
	case target == "":
		return nil, status.Error(codes.InvalidArgument, "target path is required")
	}
	defer d.locks.lock(id)()
	r, ok, err := d.state.load(id, target)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if !ok { // never published here, or already unpublished
		if m, _ := mounted(target); m {
			if err := unmount(target); err != nil {
				return nil, status.Error(codes.Internal, err.Error())
			}
		}
		if err := removeTarget(target); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		return &csipb.NodeUnpublishVolumeResponse{}, nil
	}
	uctx, cancel := context.WithTimeout(ctx, d.cfg.CommitTimeout)
	defer cancel()
	if err := d.unpublish(uctx, &r); err != nil {
		return nil, err
	}
	if err := removeTarget(target); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := d.state.remove(r); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	d.cfg.Logger.Info("unpublished", "volume", id, "target", target)
	return &csipb.NodeUnpublishVolumeResponse{}, nil
}

// unpublish unmounts r's target and settles its commit.
func (d *Driver) unpublish(ctx context.Context, r *record) error {
	if m, _ := mounted(r.Target); m {
		if err := unmount(r.Target); err != nil {
			return status.Errorf(codes.Internal, "unmount %s: %v", r.Target, err)
		}
	}
	if !r.Unmounted {
		r.Unmounted = true
		if err := d.state.save(*r); err != nil {
			return status.Error(codes.Internal, err.Error())
		}
	}
	if err := waitExit(ctx, r.PID); err != nil {
		// Still committing: the kubelet retries; the record stays.
		return status.Errorf(codes.DeadlineExceeded, "volume %s: the FUSE process has not finished (committing?): %v", r.VolumeID, err)
	}
	if r.Volume.ReadOnly {
		return nil
	}
	if _, err := os.Stat(r.Staging); errors.Is(err, os.ErrNotExist) {
		return nil // the FUSE process committed and removed its staging
	}
	out, err := d.run(ctx, r.Creds, "bundle", "mount", "commit", "--staging="+r.Staging)
	if err != nil {
		return status.Errorf(codes.Unavailable, "%v: volume %s: %v; the staged data is kept in %s and the commit is retried on the next unpublish",
			ErrCommit, r.VolumeID, err, r.Staging)
	}
	d.cfg.Logger.Info("commit retried", "volume", r.VolumeID, "out", lastLines(out, 2))
	return nil
}

// removeTarget removes the (unmounted, empty) target directory.
func removeTarget(target string) error {
	if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove target %s: %w", target, err)
	}
	return nil
}
