// Package peer installs (apt-get, when root), starts, loads and stops the
// reference systems the product is compared with in the same run: restic
// (dedup backup), etcd (Raft key-value store, via its v3 JSON gateway) and
// MinIO (S3, only when MINIO_BIN names its binary). Every process is
// started in its own process group on 127.0.0.1 ports and stopped by PID;
// a missing peer is reported as skipped, never invented.
package peer
