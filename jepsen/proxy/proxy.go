package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Faults are the live fault settings, applied per TCP chunk / UDP datagram each way.
type Faults struct {
	Delay     time.Duration // added to every forwarded chunk / datagram
	Jitter    time.Duration // uniform extra delay in [0, Jitter)
	DropProb  float64       // probability a chunk is silently discarded (corrupts the stream, like etcd's ModifyTx)
	ResetProb float64       // probability a chunk resets the connection instead (UDP: the datagram is dropped)
	Blackhole bool          // swallow all bytes; connections stay open
	Refuse    bool          // close new connections immediately (UDP: swallow every datagram)
}

// Config configures a Proxy: TCP via Listener or Listen, plus UDP when
// PacketConn is set (memberlist gossip: TCP and UDP on one port). With
// PacketConn set and Listener and Listen both empty the proxy is UDP-only.
type Config struct {
	Listen string // address to listen on, e.g. "127.0.0.1:0" (the default unless UDP-only)
	// Listener, when set, is used instead of listening on Listen (e.g. one
	// made inside a network namespace with netns.ListenIn); Close closes it.
	Listener net.Listener
	Target   string // address to forward to
	Seed     uint64 // randomness seed for jitter / drops
	// Dial dials Target (default net.Dialer); use netns.Network.Dialer() to reach a namespace.
	Dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	Logger *slog.Logger
	// PacketConn receives UDP datagrams for Target, sent from one Dial(ctx, "udp",
	// Target) socket per source; replies return through it. Close closes it.
	PacketConn        net.PacketConn
	PacketIdle        time.Duration // close a UDP source mapping idle this long (default 60s)
	PacketMaxMappings int           // cap on UDP source mappings (default 1024; evicts the least recently used)
}

// Stats counts what the proxy did. Chunks are TCP, Packets UDP (both ways);
// the fault counters cover both (a UDP "reset" is a drop counted in Resets).
type Stats struct {
	Conns, Chunks, Packets, Dropped, Resets, Swallowed uint64
}

// Proxy forwards TCP connections, and optionally UDP datagrams, to Target.
type Proxy struct {
	cfg    Config
	ln     net.Listener // nil when UDP-only
	udp    udpState     // guarded by mu
	quit   chan struct{}
	mu     sync.Mutex
	faults Faults
	rng    *rand.Rand
	stats  Stats
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	closed bool
}

// New starts a proxy.
func New(ctx context.Context, cfg Config) (*Proxy, error) {
	if cfg.Target == "" {
		return nil, errors.New("proxy: empty target")
	}
	udpOnly := cfg.PacketConn != nil && cfg.Listener == nil && cfg.Listen == ""
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ln := cfg.Listener
	if ln == nil && !udpOnly {
		var lc net.ListenConfig
		var err error
		if ln, err = lc.Listen(ctx, "tcp", cfg.Listen); err != nil {
			return nil, fmt.Errorf("proxy: listen %s: %w", cfg.Listen, err)
		}
	}
	p := &Proxy{cfg: cfg, ln: ln, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), conns: map[net.Conn]struct{}{}, quit: make(chan struct{})}
	if ln != nil {
		p.wg.Add(1)
		go p.accept()
	}
	if cfg.PacketConn != nil {
		p.startUDP()
	}
	return p, nil
}

// Addr is the listening address clients should use (UDP-only: PacketConn's).
func (p *Proxy) Addr() string {
	if p.ln == nil {
		return p.cfg.PacketConn.LocalAddr().String()
	}
	return p.ln.Addr().String()
}

// Set replaces the fault settings (affects live connections too).
func (p *Proxy) Set(f Faults) {
	p.mu.Lock()
	p.faults = f
	p.mu.Unlock()
	p.cfg.Logger.Info("proxy: faults", "addr", p.Addr(), "target", p.cfg.Target, "faults", fmt.Sprintf("%+v", f))
}

// Faults returns the current settings.
func (p *Proxy) Faults() Faults {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults
}

// Stats returns counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// ResetConns closes every live connection (e.g. when a blackhole starts, as a
// real partition would) and every UDP mapping (re-made by the next datagram).
func (p *Proxy) ResetConns() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.closeMappingsLocked()
}

// Close closes the listener, PacketConn, connections and mappings and waits
// for all goroutines; pending delayed datagrams are abandoned, not sent.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.quit)
	}
	p.mu.Unlock()
	err := p.closePacketConn()
	if p.ln != nil {
		err = errors.Join(p.ln.Close(), err)
	}
	p.ResetConns()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		if p.closed {
			return false
		}
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
		}()
	}
}

func (p *Proxy) serve(in net.Conn) {
	defer in.Close()
	if p.Faults().Refuse || !p.track(in, true) {
		return
	}
	defer p.track(in, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	out, err := p.cfg.Dial(ctx, "tcp", p.cfg.Target)
	cancel()
	if err != nil {
		p.cfg.Logger.Debug("proxy: dial target", "target", p.cfg.Target, "err", err)
		return
	}
	defer out.Close()
	if !p.track(out, true) {
		return
	}
	defer p.track(out, false)
	p.mu.Lock()
	p.stats.Conns++
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.pipe(out, in); done <- struct{}{} }()
	go func() { p.pipe(in, out); done <- struct{}{} }()
	<-done
	_ = in.Close()
	_ = out.Close()
	<-done
}

type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src→dst through a delay queue that preserves order.
func (p *Proxy) pipe(dst, src net.Conn) {
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		buf := make([]byte, 32*1024)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				c, act := p.decide(buf[:n], false)
				switch act {
				case actReset:
					_ = src.Close()
					_ = dst.Close()
					return
				case actForward:
					q <- c
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		if d := time.Until(c.due); d > 0 {
			time.Sleep(d)
		}
		if _, err := dst.Write(c.b); err != nil {
			_ = src.Close()
			for range q {
			}
			return
		}
	}
	if tc, ok := dst.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
}

type action int

const (
	actForward action = iota
	actDrop
	actReset
)

// decide applies the faults to one TCP chunk or (packet) UDP datagram.
func (p *Proxy) decide(b []byte, packet bool) (chunk, action) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.faults
	if packet {
		p.stats.Packets++
	} else {
		p.stats.Chunks++
	}
	switch {
	case f.Blackhole || (packet && f.Refuse):
		p.stats.Swallowed++
		return chunk{}, actDrop
	case f.ResetProb > 0 && p.rng.Float64() < f.ResetProb:
		p.stats.Resets++
		return chunk{}, actReset
	case f.DropProb > 0 && p.rng.Float64() < f.DropProb:
		p.stats.Dropped++
		return chunk{}, actDrop
	}
	d := f.Delay
	if f.Jitter > 0 {
		d += time.Duration(p.rng.Int64N(int64(f.Jitter)))
	}
	return chunk{b: append([]byte(nil), b...), due: time.Now().Add(d)}, actForward
}

var _ io.Closer = (*Proxy)(nil)
