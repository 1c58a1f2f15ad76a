package datamon

import (
	"errors"

	"github.com/datamon-io/datamon/jepsen/runner"
)

// Config configures Registry.
type Config struct {
	Context      string // default "default"
	LabelRepo    string // repo of the register labels (default "jepsen-labels")
	BundleRepo   string // repo of the bundle workload (default "jepsen-bundles")
	Labels       int    // register keys (default 16)
	Pool         int    // bundles committed at setup as register values (default 400)
	BundleLabels int    // bundle workload keys (default 4)
	ObjectRepo   string // bucket of the S3 object set (default "jepsen-objects")
	KeyRepo      string // bucket of the keys workload (default "jepsen-keys")
	FinalFetch   int    // objects fetched by the set's final read (default 2000; the rest only listed)
	// StaleReads makes the register's gets stale (client.Stale): a negative
	// control that the checker must reject (TestJepsenControl).
	StaleReads bool
	// ResetProb > 0 puts a jepsen/proxy in front of every node's API for the
	// register clients, resetting connections with this probability per
	// forwarded chunk (either direction): the open-bug regression scenario
	// for the client's resends of conditional label moves (README).
	ResetProb float64
	// ClientRetries chooses which register and bundle clients use the
	// product client's own failover and retries (retrier: every write is
	// resent with its request ID) instead of the harness's (caller), and
	// which S3 object clients resend writes after an ambiguous failure
	// like an S3 SDK: RetriesNone, RetriesOdd (odd processes; the
	// profiles) or RetriesAll (regression scenario
	// datamon-open-client-retries).
	ClientRetries Retries
}

// Retries selects the register processes that run the product client's
// own retries.
type Retries int

const (
	RetriesNone Retries = iota // every process fails over itself, retries off
	RetriesOdd                 // odd processes use the product client's retries
	RetriesAll                 // every process does
)

// on reports whether process proc runs the product client's retries (the
// register and bundle workloads) or, for the S3 object set, resends
// writes after ambiguous failures the way S3 SDKs do.
func (r Retries) on(proc int) bool {
	return r == RetriesAll || (r == RetriesOdd && proc%2 == 1)
}

func (c Config) withDefaults() Config {
	if c.Context == "" {
		c.Context = "default"
	}
	if c.LabelRepo == "" {
		c.LabelRepo = "jepsen-labels"
	}
	if c.BundleRepo == "" {
		c.BundleRepo = "jepsen-bundles"
	}
	if c.Labels == 0 {
		c.Labels = 16
	}
	if c.Pool == 0 {
		c.Pool = 400
	}
	if c.BundleLabels == 0 {
		c.BundleLabels = 4
	}
	if c.ObjectRepo == "" {
		c.ObjectRepo = "jepsen-objects"
	}
	if c.KeyRepo == "" {
		c.KeyRepo = "jepsen-keys"
	}
	if c.FinalFetch == 0 {
		c.FinalFetch = 2000
	}
	return c
}

// Registry returns the product workloads: "register", "bundle", "set" (S3
// object set), "keys" (access keys created, rotated and deleted under S3
// PUTs) and the product-agnostic "health".
func Registry(cfg Config) runner.Registry {
	cfg = cfg.withDefaults()
	return runner.Registry{
		"register": registerFactory(cfg),
		"bundle":   bundleFactory(cfg),
		"set":      setFactory(cfg),
		"keys":     keysFactory(cfg),
		"health":   runner.NewHealthWorkload(),
	}
}

// ClusterConfig returns the process-cluster configuration for the real
// binary with the Leader and StateHashes hooks wired.
func ClusterConfig(bin string) runner.ProcessClusterConfig {
	return runner.ProcessClusterConfig{Binary: bin, Leader: Leader, StateHashes: StateHashes}
}

// ErrNoS3 reports that a node does not serve the S3 gateway, so the object
// set workload cannot run.
var ErrNoS3 = errors.New("datamon: the node does not serve the S3 gateway")
