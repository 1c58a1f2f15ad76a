//go:build linux

package main

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// exitWithEnv names a process whose end ends a daemonized mount: the
// mount sends itself SIGTERM, so it unmounts (and `mount new` commits) as
// on Ctrl-C. A daemonized mount runs in its own session, out of reach of
// its starter's parent-death signal; supervisors that must not leave
// mounts behind when they die uncleanly (the e2e tests, a sidecar) set it.
const exitWithEnv = "DATAMON_EXIT_WITH_PID"

// watchExitWith starts the watch exitWithEnv asks for, if any. It waits on
// a pidfd (Linux 5.3+), else checks the PID every 250 ms.
func (a *app) watchExitWith() {
	s := a.getenv(exitWithEnv)
	if s == "" {
		return
	}
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 {
		a.say("ignoring %s=%q: not a PID", exitWithEnv, s)
		return
	}
	go func() {
		waitExit(pid)
		a.say("process %d (%s) ended: unmounting", pid, exitWithEnv)
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
}

// waitExit returns once process pid no longer exists.
func waitExit(pid int) {
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		defer unix.Close(fd)
		for {
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(fds, -1)
			if n > 0 || (err != nil && !errors.Is(err, unix.EINTR)) {
				return
			}
		}
	}
	for {
		if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
			return // ESRCH: gone (EPERM: alive, another user's)
		}
		time.Sleep(250 * time.Millisecond) // a watchdog's period, not a wait for a test condition
	}
}
