package certs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultPollInterval is how often a Reloader reads its files for changes.
const DefaultPollInterval = 2 * time.Second

// ReloaderConfig configures a Reloader.
type ReloaderConfig struct {
	CertFile string // PEM certificate, optionally followed by intermediates (required)
	KeyFile  string // PEM private key (required)
	// CAFile is the PEM bundle of trusted CAs. When set, the certificate
	// must chain to it and carry both the server-auth and the client-auth
	// usage (a node certificate), and the bundle is the pool peers are
	// verified against. Empty: a serving-only certificate (any issuer).
	CAFile string
	// Interval between reads of the files; 0 → DefaultPollInterval,
	// negative: no polling.
	Interval time.Duration
	// SIGHUP reloads on SIGHUP as well.
	SIGHUP bool
	Now    func() time.Time // nil → time.Now
	Logger *slog.Logger     // nil discards
}

func (c *ReloaderConfig) validate() error {
	if c.CertFile == "" || c.KeyFile == "" {
		return fmt.Errorf("%w: certificate and key files are required", ErrConfig)
	}
	if c.Interval == 0 {
		c.Interval = DefaultPollInterval
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// material is one loaded set: what every handshake reads.
type material struct {
	cert *tls.Certificate
	pool *x509.CertPool // nil without CAFile
	sum  [sha256.Size]byte
}

// Reloader serves the current certificate and CA pool and replaces them
// when the files change or SIGHUP arrives. Safe for concurrent use.
type Reloader struct {
	cfg  ReloaderConfig
	log  *slog.Logger
	cur  atomic.Pointer[material]
	mu   sync.Mutex        // serialises reloads
	last [sha256.Size]byte // content last tried (loaded or refused)

	reloads atomic.Uint64
	stop    context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
	closed  atomic.Bool
}

// NewReloader loads the files (an error if they do not pass the checks)
// and starts watching them until ctx is done or Close.
func NewReloader(ctx context.Context, cfg ReloaderConfig) (*Reloader, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &Reloader{cfg: cfg, log: cfg.Logger}
	m, raw, err := r.load()
	if err != nil {
		return nil, err
	}
	r.cur.Store(m)
	r.last = sha256.Sum256(raw)
	bg, cancel := context.WithCancel(ctx)
	r.stop = cancel
	var hup chan os.Signal
	if cfg.SIGHUP {
		hup = make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if hup != nil {
			defer signal.Stop(hup)
		}
		r.watch(bg, hup)
	}()
	return r, nil
}

func (r *Reloader) watch(ctx context.Context, hup <-chan os.Signal) {
	var tick <-chan time.Time
	if r.cfg.Interval > 0 {
		t := time.NewTicker(r.cfg.Interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := r.Reload(); err != nil {
				r.log.Error("certificate reload on SIGHUP refused; keeping the current one", "err", err)
			}
		case <-tick:
			if _, err := r.reloadIfChanged(); err != nil {
				r.log.Error("changed certificate files refused; keeping the current certificate", "err", err)
			}
		}
	}
}

// Reload reads the files now and switches to them if they pass the checks;
// on error the current set stays in use.
func (r *Reloader) Reload() error {
	if r.closed.Load() {
		return ErrClosed
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m, raw, err := r.load()
	if raw != nil {
		r.last = sha256.Sum256(raw)
	}
	if err != nil {
		return err
	}
	r.swap(m)
	return nil
}

// reloadIfChanged reloads when the files' content differs from what was
// last tried; it reports whether a new set was installed.
func (r *Reloader) reloadIfChanged() (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	raw, err := r.readAll()
	if err != nil {
		return false, err // a file being replaced: try again at the next tick
	}
	sum := sha256.Sum256(raw)
	if sum == r.last {
		return false, nil
	}
	r.last = sum
	m, err := r.parse(raw)
	if err != nil {
		return false, err
	}
	if m.sum == r.cur.Load().sum {
		return false, nil
	}
	r.swap(m)
	return true, nil
}

func (r *Reloader) swap(m *material) {
	r.cur.Store(m)
	r.reloads.Add(1)
	leaf := m.cert.Leaf
	r.log.Info("certificate loaded", "file", r.cfg.CertFile, "subject", leaf.Subject.CommonName,
		"serial", leaf.SerialNumber.Text(16), "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
}

// Reloads counts the sets installed after the first one.
func (r *Reloader) Reloads() uint64 { return r.reloads.Load() }

// Leaf is the current certificate.
func (r *Reloader) Leaf() *x509.Certificate { return r.cur.Load().cert.Leaf }

// Certificate is the current certificate with its key.
func (r *Reloader) Certificate() *tls.Certificate { return r.cur.Load().cert }

// Pool is the current CA pool (nil without CAFile).
func (r *Reloader) Pool() *x509.CertPool { return r.cur.Load().pool }

// Close stops watching. The last loaded set stays usable.
func (r *Reloader) Close() error {
	r.once.Do(func() {
		r.closed.Store(true)
		r.stop()
		r.wg.Wait()
	})
	return nil
}

// readAll returns the files' contents, length-prefixed so that moving bytes
// between files changes the sum.
func (r *Reloader) readAll() ([]byte, error) {
	var buf bytes.Buffer
	for _, p := range []string{r.cfg.CertFile, r.cfg.KeyFile, r.cfg.CAFile} {
		var b []byte
		if p != "" {
			var err error
			if b, err = readLimited(p); err != nil {
				return nil, fmt.Errorf("certs: read %s: %w", p, err)
			}
		}
		fmt.Fprintf(&buf, "%d:", len(b))
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// load reads and checks the files; raw is what was read (nil when reading failed).
func (r *Reloader) load() (*material, []byte, error) {
	raw, err := r.readAll()
	if err != nil {
		return nil, nil, err
	}
	m, err := r.parse(raw)
	return m, raw, err
}

// parse checks the content read by readAll.
func (r *Reloader) parse(raw []byte) (*material, error) {
	parts, err := splitRaw(raw)
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, caPEM := parts[0], parts[1], parts[2]
	chain, err := ParseCertificatesPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", r.cfg.CertFile, err)
	}
	key, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", r.cfg.KeyFile, err)
	}
	leaf := chain[0]
	if !publicKeyEqual(leaf.PublicKey, key.Public()) {
		return nil, fmt.Errorf("%w: %s does not belong to %s", ErrInvalid, r.cfg.KeyFile, r.cfg.CertFile)
	}
	now := r.cfg.Now()
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("%w: %s is valid from %s to %s, not now", ErrInvalid, r.cfg.CertFile,
			leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	cert := &tls.Certificate{PrivateKey: key, Leaf: leaf}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	m := &material{cert: cert, sum: sha256.Sum256(raw)}
	if r.cfg.CAFile == "" {
		return m, nil
	}
	cas, err := ParseCertificatesPEM(caPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", r.cfg.CAFile, err)
	}
	m.pool = x509.NewCertPool()
	for _, c := range cas {
		if !c.IsCA {
			return nil, fmt.Errorf("%w: %s holds %q, which is not a CA certificate", ErrInvalid, r.cfg.CAFile, c.Subject.CommonName)
		}
		m.pool.AddCert(c)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		opts := x509.VerifyOptions{Roots: m.pool, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{u}}
		if _, err := leaf.Verify(opts); err != nil {
			return nil, fmt.Errorf("%w: %s against %s: %v", ErrInvalid, r.cfg.CertFile, r.cfg.CAFile, err)
		}
	}
	return m, nil
}

// splitRaw undoes readAll's framing.
func splitRaw(raw []byte) ([3][]byte, error) {
	var out [3][]byte
	for i := range out {
		var n int
		j := bytes.IndexByte(raw, ':')
		if j < 0 {
			return out, errors.New("certs: internal: bad framing")
		}
		if _, err := fmt.Sscanf(string(raw[:j]), "%d", &n); err != nil || n < 0 || n > len(raw)-j-1 {
			return out, errors.New("certs: internal: bad framing")
		}
		out[i], raw = raw[j+1:j+1+n], raw[j+1+n:]
	}
	return out, nil
}
