package csi

import (
	"context"
	"os"
)

// rediscover reads the records a previous driver process left. A live
// mount is adopted as it is (its FUSE process never depended on the
// driver). A read-only mount whose FUSE process died is mounted again, so
// the pod sees the bundle again instead of "transport endpoint is not
// connected". A read-write mount whose process died keeps its staging
// directory: the unpublish commits it.
func (d *Driver) rediscover(ctx context.Context) {
	rs, errs := d.state.all()
	for _, err := range errs {
		d.cfg.Logger.Error("csi: unreadable mount record (left alone)", "err", err)
	}
	for _, r := range rs {
		m, _ := mounted(r.Target)
		switch {
		case r.Unmounted:
			d.cfg.Logger.Info("csi: found an unpublish to finish", "volume", r.VolumeID, "target", r.Target)
		case m && alive(r.PID) && healthy(r.Target):
			d.cfg.Logger.Info("csi: adopted mount", "volume", r.VolumeID, "target", r.Target, "pid", r.PID)
		case r.Volume.ReadOnly:
			if _, err := os.Stat(r.Target); err != nil && !m {
				d.cfg.Logger.Warn("csi: target of a mount record is gone; keeping the record for the unpublish", "volume", r.VolumeID, "target", r.Target)
				continue
			}
			d.cfg.Logger.Warn("csi: FUSE process of a read-only mount is gone; mounting again", "volume", r.VolumeID, "target", r.Target)
			if err := d.publish(ctx, r.VolumeID, r.Target, r.Volume, r.Creds); err != nil {
				d.cfg.Logger.Error("csi: remount failed", "volume", r.VolumeID, "target", r.Target, "err", err)
			}
		default:
			d.cfg.Logger.Warn("csi: FUSE process of a read-write mount is gone; its staging is committed on unpublish", "volume", r.VolumeID, "target", r.Target, "staging", r.Staging)
		}
	}
}
