package localcluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Ports are one node's listening ports on 127.0.0.1.
type Ports struct{ Gossip, RPC, Raft, API, S3 int }

// Node is one node process of the cluster.
type Node struct {
	Index int
	ID    string
	Site  string
	Dir   string
	Ports Ports

	tls  bool // https on the API and S3 ports
	args []string
	env  []string
	cmd  *exec.Cmd
	done chan struct{}
	// stopped: the harness signalled the process to stop; ready: it once
	// answered healthz. A node that exits with neither failed to start.
	stopped, ready atomic.Bool
	waitErr        error // set before done closes
}

// startFailure returns why the node exited before it was ever ready (with
// the tail of its log), or nil when it is running, was stopped on purpose,
// or was ready once.
func (n *Node) startFailure() error {
	if n.cmd == nil || n.Running() || n.stopped.Load() || n.ready.Load() {
		return nil
	}
	tail := ""
	if b, err := os.ReadFile(n.LogPath()); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 5 {
			lines = lines[len(lines)-5:]
		}
		tail = strings.Join(lines, "\n")
	}
	return fmt.Errorf("localcluster: node %s exited before ready (%v); last log lines (%s):\n%s",
		n.ID, n.waitErr, n.LogPath(), tail)
}

// APIURL is the node's public HTTP API endpoint (https with TLS).
func (n *Node) APIURL() string { return fmt.Sprintf("%s://127.0.0.1:%d", n.scheme(), n.Ports.API) }

// S3URL is the node's S3 endpoint (https with TLS).
func (n *Node) S3URL() string { return fmt.Sprintf("%s://127.0.0.1:%d", n.scheme(), n.Ports.S3) }

func (n *Node) scheme() string {
	if n.tls {
		return "https"
	}
	return "http"
}

// GossipAddr is the node's gossip address.
func (n *Node) GossipAddr() string { return fmt.Sprintf("127.0.0.1:%d", n.Ports.Gossip) }

// RPCAddr is the node's internal RPC address.
func (n *Node) RPCAddr() string { return fmt.Sprintf("127.0.0.1:%d", n.Ports.RPC) }

// PID is the running process's PID, 0 when not running.
func (n *Node) PID() int {
	if !n.Running() {
		return 0
	}
	return n.cmd.Process.Pid
}

// Running reports whether the process is alive (it may be paused).
func (n *Node) Running() bool {
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// LogPath is where the node's output goes.
func (n *Node) LogPath() string { return filepath.Join(n.Dir, "node.log") }

func (n *Node) start(binary string) error {
	if n.Running() {
		return fmt.Errorf("localcluster: node %s already running", n.ID)
	}
	if err := os.MkdirAll(n.Dir, 0o750); err != nil {
		return err
	}
	logf, err := os.OpenFile(n.LogPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	cmd := exec.Command(binary, n.args...)
	cmd.Env = append(os.Environ(), n.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group: a Ctrl-C on the terminal reaches the supervisor only,
	// which then stops the nodes in order.
	cmd.SysProcAttr = ownProcessGroup()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("localcluster: start %s: %w", n.ID, err)
	}
	n.cmd, n.done = cmd, make(chan struct{})
	n.stopped.Store(false)
	n.ready.Store(false)
	go func(done chan struct{}) {
		n.waitErr = cmd.Wait()
		logf.Close()
		close(done)
	}(n.done)
	return nil
}

func (n *Node) signal(sig os.Signal) error {
	if !n.Running() {
		return fmt.Errorf("localcluster: node %s is not running", n.ID)
	}
	if sig == syscall.SIGKILL || sig == syscall.SIGTERM {
		n.stopped.Store(true)
	}
	return n.cmd.Process.Signal(sig)
}

// wait waits up to d for the process to exit.
func (n *Node) wait(d time.Duration) bool {
	if n.cmd == nil {
		return true
	}
	select {
	case <-n.done:
		return true
	case <-time.After(d):
		return false
	}
}

// freePorts reserves count distinct free TCP ports on 127.0.0.1 that are also
// free for UDP (gossip uses both).
func freePorts(count int) ([]int, error) {
	var out []int
	var hold []net.Listener
	defer func() {
		for _, l := range hold {
			l.Close()
		}
	}()
	for len(out) < count {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			l.Close()
			continue
		}
		u.Close()
		hold = append(hold, l)
		out = append(out, port)
	}
	return out, nil
}
