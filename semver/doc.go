// Package semver parses semantic version strings (https://semver.org 2.0.0)
// as label names use them: "1.2.3" or "v1.2.3", with an optional pre-release
// ("-rc.1") and build metadata ("+build.7").
//
// `repo squash --retain-semver-tags` keeps every bundle a label with such a
// name points at. That decision is taken while the Raft FSM applies the
// squash command, so what this package accepts is part of the metadata log
// format: a string it accepts today must be accepted by every later version
// (and the same for rejected strings), or replicas replaying an old log would
// disagree.
//
// It imports nothing of ours.
package semver
