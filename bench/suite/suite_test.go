package suite

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/bench/report"
)

// TestRunSurvivesFailures: a failing, a panicking and a skipped figure are
// recorded and the run goes on to write its report.
func TestRunSurvivesFailures(t *testing.T) {
	reg := &Registry{}
	reg.Register(Figure{Name: "t.fail", Group: "g", Unit: "x", Run: func(context.Context, *Env) ([]report.Measurement, error) {
		return nil, errors.New("boom")
	}})
	reg.Register(Figure{Name: "t.panic", Group: "g", Run: func(context.Context, *Env) ([]report.Measurement, error) {
		panic("oops")
	}})
	reg.Register(Figure{Name: "t.cluster", Group: "g", Run: func(ctx context.Context, e *Env) ([]report.Measurement, error) {
		_, err := e.Cluster(ctx) // no DATAMON_BIN: skipped
		return nil, err
	}})
	reg.Register(Figure{Name: "t.ok", Group: "g", Run: func(context.Context, *Env) ([]report.Measurement, error) {
		return []report.Measurement{report.OK("", "t.ok", 1, "x")}, nil
	}})
	cfg := DefaultConfig()
	cfg.Profile = Tiny()
	cfg.OutDir = t.TempDir()
	r, p, err := Run(context.Background(), cfg, reg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]report.Status{"t.fail": report.StatusFailed, "t.panic": report.StatusFailed,
		"t.cluster": report.StatusSkipped, "t.ok": report.StatusOK}
	if len(r.Measurements) != len(want) {
		t.Fatalf("%d measurements", len(r.Measurements))
	}
	for _, m := range r.Measurements {
		if m.Status != want[m.Name] || m.Group != "g" {
			t.Errorf("%s: %s (%s) group %q", m.Name, m.Status, m.Reason, m.Group)
		}
		if m.Name == "t.cluster" && !strings.Contains(m.Reason, "DATAMON_BIN") {
			t.Errorf("skip reason %q", m.Reason)
		}
	}
	if _, err := os.Stat(p.Markdown); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(cfg.OutDir); len(ents) != 3 { // json, md, chart dir; work dir removed
		t.Fatalf("results dir holds %d entries", len(ents))
	}
}

func TestDefaultRegistryPlacementAndPlaceholders(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Profile = Tiny()
	cfg.OutDir = t.TempDir()
	cfg.SkipPeers = true
	cfg.Only = []string{"scale.placement", "product.repair", "peer"}
	r, _, err := Run(context.Background(), cfg, Default())
	if err != nil {
		t.Fatal(err)
	}
	var placed, skipped int
	for _, m := range r.Measurements {
		switch {
		case strings.HasPrefix(m.Name, "scale.placement") && m.Status == report.StatusOK:
			placed++
		case strings.HasPrefix(m.Name, "product.repair") && m.Status == report.StatusSkipped:
			skipped++
		case strings.HasPrefix(m.Name, "peer"):
			t.Errorf("peer ran despite -skip-peers: %s", m.Name)
		}
	}
	if placed != len(Tiny().PlacementNodes)+2 || skipped != 2 { // product.repair and product.repair.damage
		t.Fatalf("placement rows %d, repair placeholders %d", placed, skipped)
	}
	if _, _, err := Run(context.Background(), Config{Profile: Tiny(), OutDir: t.TempDir(), Only: []string{"nope"}}, Default()); !errors.Is(err, ErrConfig) {
		t.Fatalf("-only nope: %v", err)
	}
}
