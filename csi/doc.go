// Package csi is datamon's Container Storage Interface driver (CSI spec v1
// over gRPC on a Unix socket, github.com/container-storage-interface/spec):
// a bundle becomes a pod volume.
//
// Services: identity; node (NodePublishVolume / NodeUnpublishVolume, no
// staging); controller with CREATE_DELETE_VOLUME only, so a StorageClass
// can provision PersistentVolumes that name a bundle (a volume is a
// reference: CreateVolume stores nothing and DeleteVolume deletes no data).
//
// A volume's attributes (volume_context: the PV's volumeAttributes, the
// inline volume's volumeAttributes or the StorageClass parameters) are
// parsed by ParseVolume: repo (required), label or bundle, context,
// readOnly (default true); a read-write volume may start from fromLabel
// and is committed on label (default: the repo's head label) with message.
// Credentials come from the node-publish secret (keys accessKey and
// secretKey: an identity access key, docs/identity.md).
//
// Mounts are served by detached FUSE processes, not by the driver: a
// publish runs `datamon bundle mount --daemonize` (read-only) or
// `datamon bundle mount new --daemonize` (read-write, staging under the
// state directory), which re-executes itself in a new session and reports
// when the mount is live. The driver records each mount in
// StateDir/volumes/*.json (mode 0600: the record keeps the credentials a
// retried commit needs, since NodeUnpublishVolume carries no secrets), so a
// restarted or upgraded driver finds its mounts again and the pods' mounts
// never see "transport endpoint is not connected". A restarted driver also
// repairs read-only mounts whose FUSE process died.
//
// Unpublish unmounts the target and waits, within Config.CommitTimeout, for
// the FUSE process to exit. A read-write mount commits on unmount and
// removes its staging directory on success; a staging directory still there
// means the commit failed, and the driver runs `datamon bundle mount commit
// --staging DIR` itself. A failed commit keeps the staging data and the
// record and answers Unavailable, so the kubelet retries the unpublish until
// the commit lands: nothing written to a volume is silently lost.
//
// The package itself needs no cgo: the FUSE code (package fusefs) runs in
// the datamon binary the driver executes (Config.Binary).
package csi
