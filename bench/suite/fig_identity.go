package suite

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/datamon-io/datamon/bench/load"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/bench/s3load"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
)

// Identity measurement names: IdentityPrefix.<op>.<plain|tls>-<key|jwt>.
const (
	IdentityPrefix = "product.identity"
	// IdentityMinRatio is issue 15's target: TLS, and a JWT instead of an
	// access key, cost under 5 % of S3 GET 4 KiB and label-set ops/s.
	IdentityMinRatio = 0.95
)

var (
	identityOps   = []string{"s3-get4KiB", "labels-set"}
	identityTLS   = []string{"plain", "tls"}
	identityCreds = []string{"key", "jwt"}
)

func registerIdentity(r *Registry) {
	r.Register(Figure{Name: IdentityPrefix, Group: GroupProduct, Unit: "ops/s", Timeout: 10 * time.Minute,
		Doc: "S3 GET 4 KiB and label set ops/s: TLS on vs off, JWT bearer vs access key (own plain and TLS clusters, interleaved rounds); target ≥ 0.95×",
		Run: runIdentity})
}

// identityName is the measurement of one cell.
func identityName(op, tls, cred string) string {
	return fmt.Sprintf("%s.%s.%s-%s", IdentityPrefix, op, tls, cred)
}

// identityPeer is the cell a cell is compared with: TLS against plain
// with the access key, a JWT against the access key on the same cluster.
func identityPeer(op, tls, cred string) string {
	switch {
	case cred == "jwt":
		return identityName(op, tls, "key")
	case tls == "tls":
		return identityName(op, "plain", "key")
	}
	return ""
}

// identityTally accumulates one cell over the rounds.
type identityTally struct {
	ops, errs int
	elapsed   time.Duration
	rounds    []float64 // ops/s per round
	p50s      []float64 // ms
	firstErr  error
}

// runIdentity starts two local clusters of the run's shape, one plain and
// one with TLS, both trusting a JWT issuer the figure generates, and
// measures S3 GET 4 KiB and label set with an access key and with a JWT on
// each. The eight cells run in interleaved rounds (the order reversed every
// other round) so that drift of a shared machine spreads over all of them.
func runIdentity(ctx context.Context, e *Env) ([]report.Measurement, error) {
	if e.Cfg.remote() {
		return nil, Skip("needs its own local clusters (plain and TLS, with a generated JWT issuer)")
	}
	dir, err := e.Dir("identity")
	if err != nil {
		return nil, err
	}
	_, token, conf, err := identityIssuerFiles(dir)
	if err != nil {
		return nil, err
	}
	clusters := map[string]*identityCluster{}
	var started []*localcluster.Cluster
	defer func() {
		for _, cl := range started {
			if err := cl.Stop(); err != nil {
				e.Log.Warn("stopping identity cluster", "err", err)
			}
		}
	}()
	for _, tls := range identityTLS {
		cl, ci, err := e.startLocalWith(ctx, fmt.Sprintf("identity-%s-%d", tls, time.Now().UnixNano()),
			e.Cfg.Nodes, e.Cfg.Sites, e.Cfg.EC, 0, localOptions{TLS: tls == "tls", Extra: []string{"--config", conf}})
		if err != nil {
			return nil, err
		}
		started = append(started, cl)
		if clusters[tls], err = setupIdentity(ctx, e, tls, cl, ci, token); err != nil {
			return nil, err
		}
	}
	tallies := map[string]*identityTally{}
	var cells [][3]string
	for _, op := range identityOps {
		for _, tls := range identityTLS {
			for _, cred := range identityCreds {
				cells = append(cells, [3]string{op, tls, cred})
				tallies[identityName(op, tls, cred)] = &identityTally{}
			}
		}
	}
	d := max(e.Profile.LoadDuration/2, 200*time.Millisecond)
	for round := range max(1, e.Profile.IdentityRounds) {
		order := slices.Clone(cells)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, c := range order {
			res, err := runIdentityCell(ctx, e, clusters[c[1]], c[0], c[2], d)
			t := tallies[identityName(c[0], c[1], c[2])]
			if err != nil {
				t.firstErr = err
				continue
			}
			t.ops, t.errs, t.elapsed = t.ops+res.Ops, t.errs+res.Errors, t.elapsed+res.Elapsed
			t.rounds = append(t.rounds, res.OpsPerSec)
			t.p50s = append(t.p50s, load.Ms(res.P50))
			if t.firstErr == nil {
				t.firstErr = res.FirstErr
			}
		}
	}
	return identityMeasurements(e, cells, tallies, d), nil
}

// runIdentityCell runs one op with one credential on one cluster for d.
func runIdentityCell(ctx context.Context, e *Env, ic *identityCluster, op, cred string, d time.Duration) (load.Result, error) {
	clients := e.Profile.Clients
	if op == "s3-get4KiB" {
		return s3load.GetRate(ctx, ic.s3[cred], s3load.Config{Clients: clients, Duration: d, Objects: identityObjects}, 4<<10)
	}
	c := ic.api[cred]
	set := func(ctx context.Context, cl, seq int) error {
		_, err := c.SetLabel(ctx, identityCtx, identityRepo, fmt.Sprintf("%s-c%02d-%03d", cred, cl, (seq+100)%100), ic.bundle, client.LabelOptions{})
		return err
	}
	return load.Run(ctx, load.Config{Clients: clients, Duration: d, Warmup: 1}, set)
}

// identityMeasurements turns the tallies into rows: ops/s over all rounds,
// compared (peer ratio, target IdentityMinRatio) with the reference cell.
func identityMeasurements(e *Env, cells [][3]string, tallies map[string]*identityTally, d time.Duration) []report.Measurement {
	var out []report.Measurement
	for _, c := range cells {
		name := identityName(c[0], c[1], c[2])
		t := tallies[name]
		if t.ops == 0 || t.elapsed <= 0 {
			err := t.firstErr
			if err == nil {
				err = fmt.Errorf("no operation completed")
			}
			out = append(out, report.Failed(GroupProduct, name, "ops/s", err))
			continue
		}
		m := report.OK(GroupProduct, name, float64(t.ops)/t.elapsed.Seconds(), "ops/s")
		if p := identityPeer(c[0], c[1], c[2]); p != "" {
			m = m.Against("", p).WithTarget(IdentityMinRatio)
		}
		what := map[string]string{"key": "access key (SigV4 on S3, request signature on the API)",
			"jwt": "RS256 JWT bearer, verified on every request"}[c[2]]
		m = m.WithNotes(fmt.Sprintf("%s over %s; %d clients, %d rounds × %s, %d ops, %d errors; per round %s ops/s",
			what, map[string]string{"plain": "plain HTTP", "tls": "TLS (mutual between nodes)"}[c[1]],
			e.Profile.Clients, len(t.rounds), d, t.ops, t.errs, fmtRounds(t.rounds)))
		if t.firstErr != nil {
			m = m.WithNotes("first error: " + firstLine(t.firstErr.Error()))
		}
		m.Extra = map[string]any{"rounds_ops_per_s": t.rounds, "rounds_p50_ms": t.p50s, "errors": t.errs}
		out = append(out, m)
	}
	return out
}

func fmtRounds(v []float64) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += "/"
		}
		s += fmt.Sprintf("%.0f", x)
	}
	return s
}

func firstLine(s string) string {
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
