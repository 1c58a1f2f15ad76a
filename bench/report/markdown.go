package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Paths are the files Write produced.
type Paths struct {
	JSON, Markdown string
	Charts         []string
}

// Write resolves r and writes dir/stamp.json, dir/stamp.md and the charts in
// dir/stamp/. A chart that cannot be drawn is reported in the markdown, not
// as an error.
func Write(dir, stamp string, r *Run) (Paths, error) {
	r.Resolve()
	p := Paths{JSON: filepath.Join(dir, stamp+".json"), Markdown: filepath.Join(dir, stamp+".md")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return p, fmt.Errorf("report: %w", err)
	}
	if err := WriteJSON(p.JSON, r); err != nil {
		return p, err
	}
	charts, chartErr := DrawCharts(filepath.Join(dir, stamp), r)
	for i := range charts {
		charts[i].Path = filepath.Join(stamp, filepath.Base(charts[i].Path))
		p.Charts = append(p.Charts, filepath.Join(dir, charts[i].Path))
	}
	f, err := os.Create(p.Markdown)
	if err != nil {
		return p, fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	if err := WriteMarkdown(f, r, charts, chartErr); err != nil {
		return p, fmt.Errorf("report: write %s: %w", p.Markdown, err)
	}
	return p, f.Close()
}

// WriteMarkdown renders r (already resolved) as markdown; charts are linked
// relative to the markdown file.
func WriteMarkdown(w io.Writer, r *Run, charts []Chart, chartErr error) error {
	var b strings.Builder
	e := r.Env
	fmt.Fprintf(&b, "# datamon bench — %s profile, %s\n\n", e.Profile, e.Start.Format("2006-01-02 15:04:05 UTC"))
	b.WriteString("| environment | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, esc(v)) }
	row("CPU", fmt.Sprintf("%s × %d cores", e.CPUModel, e.Cores))
	row("memory", fmt.Sprintf("%d MiB", e.MemoryMiB))
	row("disk (results dir)", fmt.Sprintf("%s on %s (%s), %.0f GB, %.0f GB free", e.DiskDevice, e.DiskMount, e.DiskFS, e.DiskSizeGB, e.DiskFreeGB))
	row("kernel / Go", e.Kernel+" / "+e.GoVersion)
	dirty := ""
	if e.GitDirty {
		dirty = " (uncommitted changes)"
	}
	row("commit", e.GitCommit+dirty)
	row("cluster", fmt.Sprintf("%s: %d nodes, %d sites, EC %s", e.Cluster, e.Nodes, e.Sites, orDash(e.EC)))
	row("host / root", fmt.Sprintf("%s / %v", e.Hostname, e.Root))
	if !r.End.IsZero() {
		row("duration", r.End.Sub(e.Start).Round(1e9).String())
	}
	b.WriteString("\n")
	for _, g := range r.Groups() {
		fmt.Fprintf(&b, "## %s\n\n", g)
		b.WriteString("| figure | value | ceiling | % of ceiling | peer | ratio to peer | notes |\n")
		b.WriteString("|---|---:|---|---:|---|---:|---|\n")
		for _, m := range r.Measurements {
			if m.Group == g {
				writeRow(&b, m)
			}
		}
		b.WriteString("\n")
	}
	if len(charts) > 0 || chartErr != nil {
		b.WriteString("## charts\n\n")
		for _, c := range charts {
			fmt.Fprintf(&b, "![%s](%s)\n\n", c.Title, filepath.ToSlash(c.Path))
		}
		if chartErr != nil {
			fmt.Fprintf(&b, "Some charts could not be drawn: %s\n\n", esc(chartErr.Error()))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRow(b *strings.Builder, m Measurement) {
	val := "—"
	switch m.Status {
	case StatusOK:
		val = fmtNum(m.Value) + " " + m.Unit
	case StatusSkipped:
		val = "skipped"
	case StatusFailed:
		val = "**failed**"
	}
	ceil, pct := "—", "—"
	if m.Ceiling != "" {
		ceil = m.Ceiling
		if m.CeilingValue > 0 {
			ceil += " (" + fmtNum(m.CeilingValue) + ")"
		}
		if m.Ratio > 0 {
			pct = fmt.Sprintf("%.0f %%", 100*m.Ratio)
		}
	}
	peer, pr := "—", "—"
	if m.Peer != "" {
		peer = m.Peer
		if m.PeerValue > 0 {
			peer += " (" + fmtNum(m.PeerValue) + ")"
		}
		if m.PeerRatio > 0 {
			pr = fmt.Sprintf("%.2f×", m.PeerRatio)
		}
		if t := m.TargetText(); t != "" {
			pr += " (target " + t + ")"
		}
	}
	notes := m.Notes
	if m.Reason != "" {
		notes = strings.TrimPrefix(notes+"; "+string(m.Status)+": "+m.Reason, "; ")
	}
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n",
		esc(m.Name), val, esc(ceil), pct, esc(peer), pr, esc(notes))
}

func fmtNum(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100 || v <= -100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10 || v <= -10:
		return fmt.Sprintf("%.1f", v)
	case v >= 0.01 || v <= -0.01:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func esc(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func orDash(s string) string {
	if s == "" {
		return "default"
	}
	return s
}
