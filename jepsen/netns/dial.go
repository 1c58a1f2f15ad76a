package netns

import (
	"context"
	"fmt"
	"net"
	"runtime"

	"golang.org/x/sys/unix"
)

// DialIn dials addr from a socket created inside namespace ns. The calling
// goroutine's OS thread is switched into ns just while the socket is created
// and connected; a socket keeps its namespace for life. If switching back
// fails the thread stays locked and is discarded by the runtime.
func DialIn(ctx context.Context, ns, network, addr string) (net.Conn, error) {
	return inNS(ns, func() (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	})
}

// ListenIn opens a listener inside namespace ns (used by tests and tools).
func ListenIn(ns, network, addr string) (net.Listener, error) {
	var ln net.Listener
	_, err := inNS(ns, func() (net.Conn, error) {
		var err error
		ln, err = net.Listen(network, addr)
		return nil, err
	})
	return ln, err
}

// ListenPacketIn opens a packet socket (e.g. network "udp") bound to addr
// inside namespace ns; ns == "" means the current namespace. Like a
// listener, the socket keeps its namespace for life, so a UDP proxy can
// receive inside a node's namespace while running in the harness process.
func ListenPacketIn(ns, network, addr string) (net.PacketConn, error) {
	var pc net.PacketConn
	_, err := inNS(ns, func() (net.Conn, error) {
		var err error
		pc, err = net.ListenPacket(network, addr)
		return nil, err
	})
	return pc, err
}

func inNS(ns string, fn func() (net.Conn, error)) (net.Conn, error) {
	if ns == "" {
		return fn()
	}
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("netns: open own ns: %w", err)
	}
	defer unix.Close(orig)
	target, err := unix.Open("/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("netns: open %s: %w", ns, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("netns: setns %s: %w", ns, err)
	}
	c, ferr := fn()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: the runtime terminates it when the goroutine exits.
		return c, ferr
	}
	runtime.UnlockOSThread()
	return c, ferr
}
