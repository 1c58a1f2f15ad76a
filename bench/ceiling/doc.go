// Package ceiling measures the hardware and library limits the product's
// figures are compared with, in the same run and on the same directory:
// synced sequential disk write (1 and 2 streams), cold sequential read,
// 4 KiB write+fdatasync IOPS, loopback TCP (1 and 2 streams), single-core
// BLAKE3 / SHA-256 / MD5, content-defined chunking (fastcdc-go and the
// project's chunker), raw Pebble synced writes (random and monotonic keys,
// with write amplification), and fio as a cross-check when installed.
//
// Every probe is pure Go, needs no root (dropping the page cache is used
// when root, O_DIRECT otherwise), and removes what it wrote.
package ceiling
