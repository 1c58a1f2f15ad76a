package csi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"

	csipb "github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// controllerState remembers the volumes this process created, by name, so
// a repeated CreateVolume is idempotent and a conflicting one is refused.
// A volume is only a reference to a bundle: its attributes travel in the
// PersistentVolume (volume_context), so nothing is lost when the
// controller restarts.
type controllerState struct {
	mu   sync.Mutex
	vols map[string]*csipb.Volume // by name
}

// volumeID derives a stable ID from the name (the CO's idempotency key).
func volumeID(name string) string {
	h := sha256.Sum256([]byte(name))
	return "dmv-" + hex.EncodeToString(h[:16])
}

// ControllerGetCapabilities: create and delete (references to bundles).
func (d *Driver) ControllerGetCapabilities(context.Context, *csipb.ControllerGetCapabilitiesRequest) (*csipb.ControllerGetCapabilitiesResponse, error) {
	return &csipb.ControllerGetCapabilitiesResponse{Capabilities: []*csipb.ControllerServiceCapability{{
		Type: &csipb.ControllerServiceCapability_Rpc{Rpc: &csipb.ControllerServiceCapability_RPC{Type: csipb.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME}},
	}}}, nil
}

// CreateVolume provisions a volume naming the bundle the parameters
// describe (StorageClass parameters: repo, label or bundle, ...). The
// bundle is not looked up here: the node resolves it at publish time, so a
// volume may name a label that is set later.
func (d *Driver) CreateVolume(_ context.Context, req *csipb.CreateVolumeRequest) (*csipb.CreateVolumeResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume name is required")
	}
	if err := checkCaps(req.GetVolumeCapabilities()); err != nil {
		return nil, err
	}
	if req.GetVolumeContentSource() != nil {
		return nil, status.Error(codes.InvalidArgument, "volume content sources are not supported: name the base bundle with the fromLabel parameter")
	}
	if _, err := ParseVolume(req.GetParameters(), false); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	size := req.GetCapacityRange().GetRequiredBytes()
	if lim := req.GetCapacityRange().GetLimitBytes(); lim > 0 && size > lim {
		return nil, status.Errorf(codes.OutOfRange, "required %d bytes > limit %d", size, lim)
	}
	vol := &csipb.Volume{VolumeId: volumeID(req.GetName()), CapacityBytes: size, VolumeContext: req.GetParameters()}
	d.ctrl.mu.Lock()
	defer d.ctrl.mu.Unlock()
	if old, ok := d.ctrl.vols[req.GetName()]; ok {
		if !proto.Equal(old, vol) {
			return nil, status.Errorf(codes.AlreadyExists, "volume %q exists with other parameters or capacity", req.GetName())
		}
		return &csipb.CreateVolumeResponse{Volume: old}, nil
	}
	d.ctrl.vols[req.GetName()] = vol
	return &csipb.CreateVolumeResponse{Volume: vol}, nil
}

// DeleteVolume forgets the reference; the bundle and its labels stay.
func (d *Driver) DeleteVolume(_ context.Context, req *csipb.DeleteVolumeRequest) (*csipb.DeleteVolumeResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume ID is required")
	}
	d.ctrl.mu.Lock()
	defer d.ctrl.mu.Unlock()
	for name, v := range d.ctrl.vols {
		if v.GetVolumeId() == req.GetVolumeId() {
			delete(d.ctrl.vols, name)
		}
	}
	return &csipb.DeleteVolumeResponse{}, nil
}

// ValidateVolumeCapabilities confirms mount capabilities of a volume this
// controller created.
func (d *Driver) ValidateVolumeCapabilities(_ context.Context, req *csipb.ValidateVolumeCapabilitiesRequest) (*csipb.ValidateVolumeCapabilitiesResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume ID is required")
	}
	if len(req.GetVolumeCapabilities()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "volume capabilities are required")
	}
	d.ctrl.mu.Lock()
	found := false
	for _, v := range d.ctrl.vols {
		found = found || v.GetVolumeId() == req.GetVolumeId()
	}
	d.ctrl.mu.Unlock()
	if !found {
		return nil, status.Errorf(codes.NotFound, "volume %q unknown to this controller", req.GetVolumeId())
	}
	if err := checkCaps(req.GetVolumeCapabilities()); err != nil {
		var st interface{ GRPCStatus() *status.Status }
		if errors.As(err, &st) {
			return &csipb.ValidateVolumeCapabilitiesResponse{Message: st.GRPCStatus().Message()}, nil
		}
		return nil, err
	}
	return &csipb.ValidateVolumeCapabilitiesResponse{Confirmed: &csipb.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeContext: req.GetVolumeContext(), VolumeCapabilities: req.GetVolumeCapabilities(), Parameters: req.GetParameters(),
	}}, nil
}

// checkCaps accepts mount volumes (any file system type: FUSE serves its
// own) and refuses raw block.
func checkCaps(caps []*csipb.VolumeCapability) error {
	if len(caps) == 0 {
		return status.Error(codes.InvalidArgument, "volume capabilities are required")
	}
	for _, c := range caps {
		if c.GetBlock() != nil {
			return status.Error(codes.InvalidArgument, "block volumes are not supported: a bundle is a file tree")
		}
		if c.GetMount() == nil {
			return status.Error(codes.InvalidArgument, "a mount access type is required")
		}
		if c.GetAccessMode() == nil {
			return status.Error(codes.InvalidArgument, "an access mode is required")
		}
	}
	return nil
}
