package localcluster

import (
	"fmt"
	"io"
	"net"
	"slices"
	"time"
)

// Timings are the Raft timings a local cluster's nodes run with, derived
// from latencies measured on this machine just before the nodes start.
type Timings struct {
	Heartbeat, Election, Lease time.Duration
	// Measured: worst loopback TCP round trip and worst timer overshoot
	// (scheduling delay) seen while probing.
	RTT, SchedDelay time.Duration
}

// Bounds of the derived heartbeat timeout. The floor is the production
// default: a busy 2-core laptop stalls a process for hundreds of
// milliseconds, and the old --fast 200 ms / 100 ms lease turned every stall
// into a leader step-down and an election.
const (
	MinHeartbeat = time.Second
	MaxHeartbeat = 10 * time.Second
	// heartbeatFactor: the heartbeat timeout covers this many worst stalls.
	heartbeatFactor = 20
)

// DeriveTimings turns measured worst-case latencies into Raft timings: the
// heartbeat timeout is heartbeatFactor × the worst of the two, within
// [MinHeartbeat, MaxHeartbeat]; the election timeout equals it; the leader
// lease (check-quorum) equals it too, so a leader steps down only after a
// whole heartbeat timeout without a quorum — when followers may elect
// another anyway — not after a stall of half of it.
func DeriveTimings(rtt, sched time.Duration) Timings {
	hb := min(max(heartbeatFactor*max(rtt, sched), MinHeartbeat), MaxHeartbeat).Round(100 * time.Millisecond)
	return Timings{Heartbeat: hb, Election: hb, Lease: hb, RTT: rtt, SchedDelay: sched}
}

// measureLatency probes for about d: TCP round trips on 127.0.0.1 and
// the overshoot of 1 ms sleeps. It returns the worst of each.
func measureLatency(d time.Duration) (rtt, sched time.Duration, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	var rtts, overs []time.Duration
	buf := make([]byte, 64)
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		t0 := time.Now()
		if _, err := conn.Write(buf); err != nil {
			return 0, 0, err
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(conn, buf); err != nil {
			return 0, 0, err
		}
		rtts = append(rtts, time.Since(t0))
		t1 := time.Now()
		time.Sleep(time.Millisecond)
		overs = append(overs, max(time.Since(t1)-time.Millisecond, 0))
	}
	return slices.Max(rtts), slices.Max(overs), nil
}

// tune measures this machine and sets c.Timings and c.Ballast, unless the
// nodes' timings are given in ExtraArgs (then the nodes use those).
func (c *Cluster) tune() {
	rtt, sched, err := measureLatency(500 * time.Millisecond)
	if err != nil {
		c.cfg.Logger.Warn("latency probe failed; using the minimum Raft timings", "err", err)
	}
	c.Timings = DeriveTimings(rtt, sched)
	c.Ballast = ballastFor(c.cfg.Dir, c.cfg.Nodes)
	fmt.Fprintf(c.cfg.Out, "raft timings: heartbeat %s, election %s, leader lease %s (measured: loopback round trip %s, scheduling delay %s, worst of 0.5 s)\n",
		c.Timings.Heartbeat, c.Timings.Election, c.Timings.Lease, rtt.Round(10*time.Microsecond), sched.Round(10*time.Microsecond))
	if c.Ballast > 0 {
		fmt.Fprintf(c.cfg.Out, "disk ballast: %d MiB per node\n", c.Ballast>>20)
	} else {
		fmt.Fprintln(c.cfg.Out, "disk ballast: none (little free space)")
	}
}

// tuningArgs are the node flags for c.Timings and c.Ballast; ExtraArgs come
// later on the command line and win.
func (c *Cluster) tuningArgs() []string {
	var out []string
	if c.Timings.Heartbeat > 0 {
		out = append(out, "--raft-heartbeat", c.Timings.Heartbeat.String(),
			"--raft-election", c.Timings.Election.String(), "--raft-lease", c.Timings.Lease.String())
	}
	if c.Ballast != 0 {
		out = append(out, "--ballast-bytes", fmt.Sprint(c.Ballast))
	}
	return out
}
