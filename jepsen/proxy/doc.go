// Package proxy is a userspace TCP and UDP proxy for latency, jitter, loss
// and blackhole faults (this kernel has no netem). Modelled on etcd's
// pkg/proxy: each direction of each connection is a pipe that can delay,
// drop or swallow the bytes it forwards; with Config.PacketConn it also
// relays datagrams (one upstream socket per source, faults per datagram),
// so a memberlist gossip port (UDP and TCP on one port) can sit behind it.
// Settings change live.
package proxy
