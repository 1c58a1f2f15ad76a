package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"
)

const (
	maxDatagram        = 64 << 10 // largest UDP payload we read
	defaultPacketIdle  = 60 * time.Second
	defaultMaxMappings = 1024
	udpDialTimeout     = 10 * time.Second
)

// udpState is the UDP side of a Proxy; guarded by Proxy.mu.
type udpState struct {
	maps map[string]*mapping // by source address
}

// mapping is one UDP source and the connected upstream socket that carries
// its datagrams to Target (and the replies back).
type mapping struct {
	src  net.Addr
	up   net.Conn
	last atomic.Int64 // UnixNano of the last datagram in either direction
}

func (m *mapping) touch()              { m.last.Store(time.Now().UnixNano()) }
func (m *mapping) lastSeen() time.Time { return time.Unix(0, m.last.Load()) }

// startUDP fills in UDP defaults and starts the PacketConn read loop; it
// runs from New before any goroutine can see p.cfg.
func (p *Proxy) startUDP() {
	if p.cfg.PacketIdle <= 0 {
		p.cfg.PacketIdle = defaultPacketIdle
	}
	if p.cfg.PacketMaxMappings <= 0 {
		p.cfg.PacketMaxMappings = defaultMaxMappings
	}
	p.udp.maps = map[string]*mapping{}
	p.wg.Add(1)
	go p.readDownstream()
}

// closePacketConn closes the PacketConn, if any; readDownstream then exits.
func (p *Proxy) closePacketConn() error {
	if p.cfg.PacketConn == nil {
		return nil
	}
	return p.cfg.PacketConn.Close()
}

// readDownstream forwards every datagram arriving on the PacketConn to
// Target through its source's mapping.
func (p *Proxy) readDownstream() {
	defer p.wg.Done()
	pc := p.cfg.PacketConn
	buf := make([]byte, maxDatagram)
	for {
		n, src, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			p.cfg.Logger.Debug("proxy: udp read", "addr", p.Addr(), "err", err)
			select { // transient error: do not spin
			case <-p.quit:
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		c, act := p.decide(buf[:n], true)
		if act != actForward {
			continue // dropped, swallowed, or "reset" (UDP has no connection)
		}
		m, err := p.mapping(src)
		if err != nil {
			p.cfg.Logger.Debug("proxy: udp mapping", "src", src, "err", err)
			continue
		}
		m.touch()
		p.deliver(c, func(b []byte) error { _, err := m.up.Write(b); return err })
	}
}

// mapping returns src's mapping, dialling Target for a new one (evicting
// the least recently used mapping when at the cap). Only readDownstream
// creates mappings, so there is no creation race.
func (p *Proxy) mapping(src net.Addr) (*mapping, error) {
	key := src.String()
	p.mu.Lock()
	m := p.udp.maps[key]
	p.mu.Unlock()
	if m != nil {
		return m, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), udpDialTimeout)
	up, err := p.cfg.Dial(ctx, "udp", p.cfg.Target)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("proxy: dial udp %s: %w", p.cfg.Target, err)
	}
	m = &mapping{src: src, up: up}
	m.touch()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = up.Close()
		return nil, fmt.Errorf("proxy: udp mapping for %s: %w", key, net.ErrClosed)
	}
	for len(p.udp.maps) >= p.cfg.PacketMaxMappings {
		p.evictLocked()
	}
	p.udp.maps[key] = m
	p.wg.Add(1)
	go p.readUpstream(key, m)
	return m, nil
}

// evictLocked closes the least recently used mapping.
func (p *Proxy) evictLocked() {
	var oldKey string
	var old *mapping
	for k, m := range p.udp.maps {
		if old == nil || m.last.Load() < old.last.Load() {
			oldKey, old = k, m
		}
	}
	if old != nil {
		_ = old.up.Close()
		delete(p.udp.maps, oldKey)
	}
}

// closeMappingsLocked closes every mapping; their readers exit.
func (p *Proxy) closeMappingsLocked() {
	for k, m := range p.udp.maps {
		_ = m.up.Close()
		delete(p.udp.maps, k)
	}
}

// readUpstream sends Target's replies on m back to m.src until the upstream
// socket is closed, fails, or has been idle for PacketIdle.
func (p *Proxy) readUpstream(key string, m *mapping) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		if p.udp.maps[key] == m {
			delete(p.udp.maps, key)
		}
		p.mu.Unlock()
		_ = m.up.Close()
	}()
	buf := make([]byte, maxDatagram)
	for {
		_ = m.up.SetReadDeadline(m.lastSeen().Add(p.cfg.PacketIdle))
		n, err := m.up.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && time.Since(m.lastSeen()) < p.cfg.PacketIdle {
				continue // traffic towards Target kept the mapping alive
			}
			return
		}
		m.touch()
		c, act := p.decide(buf[:n], true)
		if act != actForward {
			continue
		}
		p.deliver(c, func(b []byte) error { _, err := p.cfg.PacketConn.WriteTo(b, m.src); return err })
	}
}

// deliver sends c now, or schedules it for c.due without blocking the
// caller. Scheduled sends are abandoned when the proxy closes, and Close
// waits for them, so nothing is sent after Close returns.
func (p *Proxy) deliver(c chunk, send func([]byte) error) {
	d := time.Until(c.due)
	if d <= 0 {
		p.send(c.b, send)
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.wg.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-p.quit:
			return
		case <-t.C:
		}
		select {
		case <-p.quit: // both ready: closing wins
		default:
			p.send(c.b, send)
		}
	}()
}

func (p *Proxy) send(b []byte, send func([]byte) error) {
	if err := send(b); err != nil {
		p.cfg.Logger.Debug("proxy: udp send", "target", p.cfg.Target, "err", err)
	}
}
