// Package sidecar runs one data step of a pod that cannot use the CSI
// driver (`datamon sidecar`), the successor of datamon's fuse sidecar —
// without its failure mode: that one coordinated through signal files and
// left the application waiting forever when a download or upload failed.
//
// Phases, each with its own bound: connect (the cluster answers within
// Config.ConnectTimeout), inputs (each input bundle mounted read-only with
// `datamon bundle mount --daemonize` within Config.MountTimeout), app (the
// application runs as a child, or — when it runs in another container — the
// sidecar waits, within Config.AppTimeout, for the file the application
// writes its exit code into), outputs (each output directory uploaded as a
// bundle on its label within Config.CommitTimeout), then the inputs are
// unmounted.
//
// Every phase change rewrites the status file (JSON, atomically: temp file
// and rename) in a shared directory: state "running" with the phase,
// "ready" once the inputs are mounted (what an application container waits
// for), then "succeeded" or "failed" with the phase that failed, the
// reason and the exit code the sidecar ends with (ExitCode*). A failure of
// any phase ends the sidecar in bounded time with that status; an output
// that failed to upload stays in its directory, and the status names it.
//
// The package needs no cgo: mounts are served by the datamon binary it
// runs (Config.Binary).
package sidecar
