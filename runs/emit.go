package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/datamon-io/datamon/model"
)

// EmitConfig configures an Emitter: events go to a JSON lines file, an
// HTTP endpoint (an OpenLineage consumer such as Marquez:
// http://host:5000/api/v1/lineage), or both.
type EmitConfig struct {
	File string `yaml:"file"`
	URL  string `yaml:"url"`
	// Retries after a failed POST (network error or 5xx; 4xx is final);
	// default 5. Backoff doubles from Backoff (default 200 ms) up to 10 s.
	Retries int           `yaml:"retries"`
	Backoff time.Duration `yaml:"backoff"`
	// Timeout bounds one POST (default 10 s).
	Timeout time.Duration `yaml:"timeout"`
	// Queue bounds events waiting to be sent (default 1024); beyond it new
	// events are dropped and logged: emission never blocks a request.
	Queue int `yaml:"queue"`
	// Header is sent with every POST (e.g. Authorization).
	Header map[string]string `yaml:"header"`
	Client *http.Client      `yaml:"-"`
	Logger *slog.Logger      `yaml:"-"`
}

// Enabled reports whether c sends events anywhere.
func (c EmitConfig) Enabled() bool { return c.File != "" || c.URL != "" }

// Validate checks c.
func (c EmitConfig) Validate() error {
	if c.URL != "" && !validURI(c.URL) {
		return fmt.Errorf("%w: OpenLineage URL %q", ErrConfig, c.URL)
	}
	if c.Retries < 0 || c.Backoff < 0 || c.Timeout < 0 || c.Queue < 0 {
		return fmt.Errorf("%w: negative OpenLineage retries, backoff, timeout or queue", ErrConfig)
	}
	return nil
}

// Emitter sends RunEvents in the background, in order. Close flushes.
type Emitter struct {
	cfg  EmitConfig
	file *os.File
	q    chan RunEvent
	done chan struct{}
	stop chan struct{}
	once sync.Once
	mu   sync.RWMutex // closed: Emit after Close drops the event
	shut bool
}

// NewEmitter opens the file (append) and starts the sender.
func NewEmitter(cfg EmitConfig) (*Emitter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Enabled() {
		return nil, fmt.Errorf("%w: OpenLineage emitter without a file or URL", ErrConfig)
	}
	if cfg.Retries == 0 {
		cfg.Retries = 5
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Queue == 0 {
		cfg.Queue = 1024
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Emitter{cfg: cfg, q: make(chan RunEvent, cfg.Queue), done: make(chan struct{}), stop: make(chan struct{})}
	if cfg.File != "" {
		f, err := os.OpenFile(cfg.File, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("runs: OpenLineage file: %w", err)
		}
		e.file = f
	}
	go e.loop()
	return e, nil
}

// RunChanged queues the event of r's state (api.RunEvents).
func (e *Emitter) RunChanged(_ context.Context, r model.Run) { e.Emit(FromRun(r)) }

// Emit queues ev; a full queue drops it (logged).
func (e *Emitter) Emit(ev RunEvent) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.shut {
		return
	}
	select {
	case e.q <- ev:
	default:
		e.cfg.Logger.Warn("runs: OpenLineage queue full, event dropped", "run", ev.Run.RunID, "type", ev.EventType)
	}
}

func (e *Emitter) loop() {
	defer close(e.done)
	for ev := range e.q {
		b, err := json.Marshal(ev)
		if err != nil {
			e.cfg.Logger.Warn("runs: encode OpenLineage event", "err", err)
			continue
		}
		if e.file != nil {
			if _, err := e.file.Write(append(b, '\n')); err != nil {
				e.cfg.Logger.Warn("runs: write OpenLineage event", "file", e.cfg.File, "err", err)
			}
		}
		if e.cfg.URL != "" {
			if err := e.post(b); err != nil {
				e.cfg.Logger.Warn("runs: send OpenLineage event", "url", e.cfg.URL, "err", err)
			}
		}
	}
}

// post sends one event, retrying network errors and 5xx with backoff
// (cut short by Close).
func (e *Emitter) post(b []byte) error {
	wait := e.cfg.Backoff
	var last error
	for attempt := 0; attempt <= e.cfg.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-e.stop:
				return fmt.Errorf("closed while retrying: %w", last)
			case <-time.After(wait):
			}
			wait = min(2*wait, 10*time.Second)
		}
		retry, err := e.postOnce(b)
		if err == nil {
			return nil
		}
		last = err
		if !retry {
			return err
		}
	}
	return fmt.Errorf("after %d attempts: %w", e.cfg.Retries+1, last)
}

func (e *Emitter) postOnce(b []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.URL, bytes.NewReader(b))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range e.cfg.Header {
		req.Header.Set(k, v)
	}
	resp, err := e.cfg.Client.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return true, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return false, fmt.Errorf("HTTP %d (not retried)", resp.StatusCode)
}

// Close sends what is queued (retries are cut short) and closes the file.
func (e *Emitter) Close() error {
	var err error
	e.once.Do(func() {
		e.mu.Lock()
		e.shut = true
		close(e.q)
		e.mu.Unlock()
		go func() {
			select {
			case <-e.done:
			case <-time.After(e.cfg.Timeout):
				close(e.stop) // stop retrying a dead endpoint
			}
		}()
		<-e.done
		if e.file != nil {
			err = e.file.Close()
		}
	})
	return err
}
