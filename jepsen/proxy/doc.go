// Package proxy is a userspace TCP proxy for latency, jitter, loss and
// blackhole faults (this kernel has no netem). Modelled on etcd's
// pkg/proxy: each direction of each connection is a pipe that can delay,
// drop or swallow the bytes it forwards. Settings change live.
package proxy
