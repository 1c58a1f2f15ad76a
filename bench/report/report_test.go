package report

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleRun() *Run {
	disk := OK("ceiling", "ceiling.disk", 500, "MB/s")
	etcdP99 := OK("peer", "peer.etcd.p99", 5, "ms")
	etcdP99.LowerIsBetter = true
	up := OK("product", "product.upload", 250, "MB/s").Against("ceiling.disk", "peer.restic").WithNotes("a|b")
	lat := OK("product", "product.labels.p99", 10, "ms").Against("", "peer.etcd.p99")
	lat.LowerIsBetter = true
	sweep := OK("scale", "scale.sweep", 300, "MB/s")
	sweep.Series = &Series{XLabel: "clients", YLabel: "MB/s", X: []float64{1, 4, 16, 64}, Y: []float64{100, 200, 300, 280}}
	return &Run{
		Env: Environment{CPUModel: "test cpu", Cores: 2, Profile: "quick", Nodes: 3, Sites: 3, EC: "2+1",
			Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		Measurements: []Measurement{
			disk, OK("peer", "peer.restic", 125, "MB/s"), etcdP99, up, lat, sweep,
			Skipped("product", "product.fuse", "MB/s", "not implemented yet").Against("ceiling.disk", ""),
			Failed("product", "product.s3", "MB/s", errors.New("boom")),
		},
		End: time.Date(2026, 1, 2, 3, 9, 5, 0, time.UTC),
	}
}

func TestResolveRatios(t *testing.T) {
	r := sampleRun()
	r.Resolve()
	up, lat := r.Measurements[3], r.Measurements[4]
	if up.CeilingValue != 500 || up.Ratio != 0.5 || up.PeerValue != 125 || up.PeerRatio != 2 {
		t.Fatalf("upload: %+v", up)
	}
	if lat.PeerRatio != 0.5 { // 10 ms vs 5 ms, lower is better: half as good
		t.Fatalf("latency peer ratio %v", lat.PeerRatio)
	}
	if f := r.Measurements[6]; f.Ratio != 0 || f.CeilingValue != 500 {
		t.Fatalf("skipped row: %+v", f)
	}
	if got := r.Groups(); !reflect.DeepEqual(got, []string{"ceiling", "peer", "product", "scale"}) {
		t.Fatalf("groups %v", got)
	}
}

// A target on the peer ratio is met, missed, or unknown (no peer value);
// the markdown row says which.
func TestResolveTarget(t *testing.T) {
	ref := OK("product", "p.off", 100, "ops/s")
	met := OK("product", "p.on", 96, "ops/s").Against("", "p.off").WithTarget(0.95)
	missed := OK("product", "p.jwt", 94, "ops/s").Against("", "p.off").WithTarget(0.95)
	unknown := OK("product", "p.x", 94, "ops/s").Against("", "p.absent").WithTarget(0.95)
	plain := OK("product", "p.y", 50, "ops/s").Against("", "p.off")
	r := &Run{Measurements: []Measurement{ref, met, missed, unknown, plain}}
	r.Resolve()
	ms := r.Measurements
	if ms[1].TargetMet == nil || !*ms[1].TargetMet || ms[1].TargetText() != "≥ 0.95×: met" {
		t.Fatalf("0.96 against 0.95: %+v %q", ms[1].TargetMet, ms[1].TargetText())
	}
	if ms[2].TargetMet == nil || *ms[2].TargetMet || ms[2].TargetText() != "≥ 0.95×: NOT MET" {
		t.Fatalf("0.94 against 0.95: %+v %q", ms[2].TargetMet, ms[2].TargetText())
	}
	if ms[3].TargetMet != nil || ms[3].TargetText() != "≥ 0.95×: unknown" || ms[4].TargetText() != "" || ms[4].TargetMet != nil {
		t.Fatalf("no peer / no target: %+v %+v", ms[3], ms[4])
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, r, nil, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 0.94× (target ≥ 0.95×: NOT MET) |") || !strings.Contains(b.String(), "| 0.96× (target ≥ 0.95×: met) |") {
		t.Fatalf("markdown:\n%s", b.String())
	}
}

func TestWriteRoundTripAndMarkdown(t *testing.T) {
	dir := t.TempDir()
	r := sampleRun()
	p, err := Write(dir, "20260102T030405Z", r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(p.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("JSON round trip differs:\n%+v\n%+v", back, r)
	}
	md, err := os.ReadFile(p.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	s := string(md)
	for _, want := range []string{
		"| figure | value | ceiling | % of ceiling | peer | ratio to peer | notes |",
		"## ceiling", "## product", "## scale",
		"| product.upload | 250 MB/s | ceiling.disk (500) | 50 % | peer.restic (125) | 2.00× | a\\|b |",
		"| product.fuse | skipped |", "skipped: not implemented yet",
		"| product.s3 | **failed** |", "failed: boom",
		"test cpu × 2 cores", "EC 2+1",
		"![% of ceiling](20260102T030405Z/ceiling.png)",
		"series-scale.sweep.png",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if len(p.Charts) != 2 {
		t.Fatalf("charts %v", p.Charts)
	}
	for _, c := range p.Charts {
		if st, err := os.Stat(c); err != nil || st.Size() == 0 {
			t.Fatalf("chart %s: %v", c, err)
		}
	}
	if _, err := ReadJSON(p.Markdown); !errors.Is(err, ErrDecode) {
		t.Fatalf("reading markdown as JSON: %v", err)
	}
}

func TestCollectEnvironment(t *testing.T) {
	e := CollectEnvironment(context.Background(), t.TempDir(), ".")
	if e.Cores < 1 || e.GoVersion == "" || e.Start.IsZero() {
		t.Fatalf("%+v", e)
	}
}
