// Package workload generates the deterministic data sets of the benchmark:
// a mixed set (many 64 KiB files, some 1 MiB, a few 40 MiB and 400 MiB files
// up to a target total), its "1 % change" mutation (whole small files
// rewritten, new bytes inserted into large files — reversible with Reset),
// and a small-files set (1–4 KiB files). Contents are incompressible
// pseudo-random bytes from ChaCha8 seeded per file, so the same seed gives
// the same bytes on every machine and Go version.
package workload
