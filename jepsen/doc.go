// Package jepsen is datamon's fault-injection suite: real node processes in
// network namespaces (or on loopback), nemeses from jepsen/nemesis, histories
// from jepsen/history checked by jepsen/checker, driven by jepsen/runner.
// The scenarios live in jepsen_test.go and run only when asked:
//
//	JEPSEN=short go test ./jepsen -run .        # or -jepsen.short (make jepsen-short, ~9 min)
//	go test ./jepsen -run . -jepsen.full        # make jepsen (~26 min at 45 s per scenario)
//	go test ./jepsen -run . -jepsen.open        # the client regression scenarios only
//
// See README.md for modes, flags and what is checked.
package jepsen
