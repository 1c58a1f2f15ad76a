package localcluster

import (
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Ballast bounds of a local cluster's nodes. A production node reserves 1%
// of its filesystem (up to 1 GiB); a loopback cluster shares one
// filesystem between all its nodes and exists to try things out, so each
// node reserves 1% of the free space divided by the node count, at most
// MaxLocalBallast, and none when that is below MinLocalBallast.
const (
	MaxLocalBallast = 64 << 20
	MinLocalBallast = 4 << 20
)

// LocalBallast is the per-node ballast for nodes sharing a filesystem with
// avail free bytes: -1 means none.
func LocalBallast(avail uint64, nodes int) int64 {
	b := int64(avail / 100 / uint64(max(nodes, 1)))
	if b < MinLocalBallast {
		return -1
	}
	return min(b, MaxLocalBallast)
}

// ballastFor measures dir's filesystem; on error no ballast is written.
func ballastFor(dir string, nodes int) int64 {
	du, err := vfs.Default.GetDiskUsage(dir)
	if err != nil {
		return -1
	}
	return LocalBallast(du.AvailBytes, nodes)
}
