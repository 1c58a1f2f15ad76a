//go:build !unix

package localcluster

import (
	"os"
	"syscall"
)

// Windows has no SIGSTOP/SIGCONT: Pause and Resume fail (os.Process.Signal
// supports only Kill there), and local clusters are stopped with Kill.
var sigStop, sigCont os.Signal = os.Interrupt, os.Interrupt

func ownProcessGroup() *syscall.SysProcAttr { return nil }
