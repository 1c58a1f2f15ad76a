package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/datamon-io/datamon/transfer"
)

// progressBar draws transfer progress on one terminal line (stderr):
// bar, percent, bytes, files, rate and ETA. A nil bar does nothing.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	op    string
	drawn bool
}

func newProgressBar(w io.Writer, op string) *progressBar { return &progressBar{w: w, op: op} }

// update is a transfer.Config.Progress callback.
func (p *progressBar) update(s transfer.Progress) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K%s", progressLine(p.op, s))
	p.drawn = true
	if s.Done {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// finish ends the line if the transfer stopped without a Done report.
func (p *progressBar) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// progressLine renders one snapshot, e.g.
// "upload [=========>          ]  48% 1.2 GiB/2.5 GiB 120/250 files 85.3 MiB/s ETA 0:15".
func progressLine(op string, s transfer.Progress) string {
	const width = 20
	rate := 0.0
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = float64(s.Bytes) / secs
	}
	total := fmt.Sprintf("%s/%s", humanBytes(s.Bytes), humanBytes(s.TotalBytes))
	files := fmt.Sprintf("%d/%d files", s.Files, s.TotalFiles)
	if !s.TotalKnown {
		total, files = humanBytes(s.Bytes)+"/?", fmt.Sprintf("%d/%d+ files", s.Files, s.TotalFiles)
	}
	frac := 0.0
	if s.TotalBytes > 0 {
		frac = min(float64(s.Bytes)/float64(s.TotalBytes), 1)
	} else if s.TotalFiles > 0 {
		frac = min(float64(s.Files)/float64(s.TotalFiles), 1)
	}
	if s.Done {
		frac = 1
	}
	fill := int(frac * width)
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	if fill > 0 && fill < width {
		bar = strings.Repeat("=", fill-1) + ">" + strings.Repeat(" ", width-fill)
	}
	eta := "?"
	if s.Done {
		eta = fmtDuration(s.Elapsed)
	} else if s.TotalKnown && rate > 0 && s.TotalBytes >= s.Bytes {
		eta = fmtDuration(time.Duration(float64(s.TotalBytes-s.Bytes) / rate * float64(time.Second)))
	}
	label := "ETA"
	if s.Done {
		label = "in"
	}
	return fmt.Sprintf("%s [%s] %3.0f%% %s %s %s/s %s %s", op, bar, frac*100, total, files, humanBytes(int64(rate)), label, eta)
}

func fmtDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// humanBytes renders n in binary units ("1.5 MiB").
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// lineWriter renders items one per line with a --format template parsed
// once (streamed listings of large bundles).
func lineWriter(w io.Writer, format string) (func(any) error, error) {
	t, err := template.New("format").Funcs(template.FuncMap{"join": joinStrings}).Parse(format)
	if err != nil {
		return nil, usagef("--format: %v", err)
	}
	return func(v any) error { return execLine(w, t, v) }, nil
}
