//go:build !linux

package main

// exitWithEnv is honoured on Linux only (mount_exitwith_linux.go).
const exitWithEnv = "DATAMON_EXIT_WITH_PID"

func (a *app) watchExitWith() {}
