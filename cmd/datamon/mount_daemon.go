package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Environment of a daemonized mount's child: the fd of the pipe on which it
// reports that the mount is live.
const mountReadyEnv = "DATAMON_MOUNT_READY_FD"

func isMountChild(a *app) bool { return a.getenv(mountReadyEnv) != "" }

// mountReady tells a waiting --daemonize parent that the mount is live.
func (a *app) mountReady() {
	if !isMountChild(a) {
		return
	}
	a.watchExitWith()
	f := os.NewFile(3, "ready")
	fmt.Fprintln(f, "ok")
	f.Close()
}

// daemonize re-executes this command detached (new session, output to a
// log file), waits until the child reports the mount live, prints its PID.
func (a *app) daemonize(cmd *cobra.Command, mountDir string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logDir, err := a.mountLogDir()
	if err != nil {
		return err
	}
	logf, err := newMountLog(logDir, time.Now())
	if err != nil {
		return err
	}
	defer logf.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	var args []string
	for _, s := range os.Args[1:] {
		if s != "--daemonize" && s != "--daemonize=true" {
			args = append(args, s)
		}
	}
	child := exec.Command(self, args...)
	child.Env = append(os.Environ(), mountReadyEnv+"=3")
	child.Stdout, child.Stderr = logf, logf
	child.ExtraFiles = []*os.File{pw}
	child.SysProcAttr = detached()
	if err := child.Start(); err != nil {
		pw.Close()
		return err
	}
	pw.Close()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(pr).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if strings.TrimSpace(s) == "ok" {
			pid := child.Process.Pid // Release resets Pid
			_ = child.Process.Release()
			fmt.Fprintf(a.out, "%d\n", pid)
			a.say("mounted at %s in the background (pid %d, log %s)", mountDir, pid, logf.Name())
			return nil
		}
	case <-time.After(5 * time.Minute):
		_ = child.Process.Kill()
	}
	_ = child.Wait()
	b, _ := os.ReadFile(logf.Name())
	return fmt.Errorf("background mount at %s failed (log %s):\n%s", filepath.Clean(mountDir), logf.Name(), b)
}
