//go:build linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/datamon-io/datamon/localcluster"
)

// One 3-node cluster for two operator promises:
//   - /metrics can be scraped the way Prometheus does (a bearer token, no
//     API signature), is refused without or with a wrong token, and the page
//     is valid Prometheus text (expfmt; promtool check metrics as well when
//     installed);
//   - an idle cluster under CPU contention keeps its leader and its term:
//     the old --fast timings (200 ms heartbeat, 100 ms leader lease) lost
//     the leader on every scheduling stall of a busy 2-core machine.
func TestMetricsScrapeAndIdleTermStable(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	t.Logf("raft timings: %+v", c.Timings)

	// Scrape with and without the token.
	for _, n := range c.Nodes {
		if code, _ := scrape(t, n.APIURL(), ""); code != http.StatusUnauthorized {
			t.Fatalf("%s: unauthenticated scrape answered %d, want 401", n.ID, code)
		}
		if code, _ := scrape(t, n.APIURL(), "wrong-token-0123456789"); code != http.StatusUnauthorized {
			t.Fatalf("%s: wrong token answered %d, want 401", n.ID, code)
		}
		code, body := scrape(t, n.APIURL(), c.Secrets.MetricsToken)
		if code != http.StatusOK {
			t.Fatalf("%s: token scrape answered %d: %s", n.ID, code, body)
		}
		fams, err := parseMetrics(body)
		if err != nil {
			t.Fatalf("%s: /metrics is not Prometheus text: %v", n.ID, err)
		}
		for _, name := range []string{"datamon_raft_term", "datamon_raft_elections_total", "datamon_raft_leader_changes_total"} {
			if fams[name] == nil {
				t.Fatalf("%s: /metrics lacks %s", n.ID, name)
			}
		}
		if promtool, err := exec.LookPath("promtool"); err == nil {
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = bytes.NewReader(body)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: promtool check metrics: %v\n%s", n.ID, err, out)
			}
		}
	}

	// Settle: every node sees the same leader and term for a few seconds.
	base := settled(t, c)
	t.Logf("settled: %+v", base)

	// Load: busy goroutines on every core, plus stress-ng when installed.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 * runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for ctx.Err() == nil {
				for i := range 1 << 16 {
					x += i
				}
			}
			_ = x
		}()
	}
	if sn, err := exec.LookPath("stress-ng"); err == nil {
		cmd := exec.Command(sn, "--cpu", fmt.Sprint(8*runtime.NumCPU()), "--timeout", "120s", "--quiet")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err == nil {
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		}
	}
	defer func() { stop(); wg.Wait() }()

	idle := 45 * time.Second
	deadline := time.Now().Add(idle)
	for time.Now().Before(deadline) {
		time.Sleep(time.Second) // sampling period of the idle window, not a wait for a condition
		for i, n := range c.Nodes {
			s, ok := raftStats(t, c, n)
			if !ok {
				continue // a starved scrape is not an election
			}
			if s.term != base[i].term {
				t.Fatalf("%s: term moved from %v to %v while the cluster was idle (elections on this node: %v, leader changes: %v)",
					n.ID, base[i].term, s.term, s.elections, s.leaderChanges)
			}
			if s.leaderChanges != base[i].leaderChanges {
				t.Fatalf("%s: leader changed %v times while idle", n.ID, s.leaderChanges-base[i].leaderChanges)
			}
		}
	}
}

type raftSample struct{ term, elections, leaderChanges float64 }

// settled polls until every node reports the same term, and the same
// counters in two samples 3 s apart, and returns the samples then.
func settled(t *testing.T, c *localcluster.Cluster) []raftSample {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var prev []raftSample
	for time.Now().Before(deadline) {
		cur := make([]raftSample, len(c.Nodes))
		ok := true
		for i, n := range c.Nodes {
			s, got := raftStats(t, c, n)
			ok = ok && got && s.term > 0 && (i == 0 || s.term == cur[0].term)
			cur[i] = s
		}
		if ok && prev != nil && slices.Equal(prev, cur) {
			return cur
		}
		if !ok {
			cur = nil
		}
		prev = cur
		time.Sleep(3 * time.Second) // spacing between two samples that must agree
	}
	t.Fatal("the cluster never settled on one term")
	return nil
}

// raftStats reads node n's Raft counters from /metrics (false when the
// scrape fails, e.g. times out on a starved machine).
func raftStats(t *testing.T, c *localcluster.Cluster, n *localcluster.Node) (raftSample, bool) {
	t.Helper()
	code, body := scrape(t, n.APIURL(), c.Secrets.MetricsToken)
	if code != http.StatusOK {
		return raftSample{}, false
	}
	fams, err := parseMetrics(body)
	if err != nil {
		t.Fatalf("%s: /metrics: %v", n.ID, err)
	}
	val := func(name string) float64 {
		f := fams[name]
		if f == nil || len(f.Metric) == 0 {
			t.Fatalf("%s: /metrics lacks %s", n.ID, name)
		}
		m := f.Metric[0]
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Untyped != nil:
			return m.Untyped.GetValue()
		}
		return 0
	}
	return raftSample{val("datamon_raft_term"), val("datamon_raft_elections_total"), val("datamon_raft_leader_changes_total")}, true
}

// scrape GETs /metrics with an optional bearer token.
func scrape(t *testing.T, api, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, api+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func parseMetrics(body []byte) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(bytes.NewReader(body))
}
