//go:build !linux

package runs

import "os/exec"

// setDeathSignal: only Linux can tie the command's life to ours.
func setDeathSignal(*exec.Cmd) {}
