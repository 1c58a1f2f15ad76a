package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/sts"
)

// Config holds a node's identity, addresses and tunables. Zero values take
// the defaults of DefaultConfig where noted.
type Config struct {
	// ID names the node for its whole life. Empty: taken from <DataDir>/node.json,
	// or generated on first start and written there.
	ID string `yaml:"id"`
	// Site is the node's failure domain (building, rack group, region).
	Site string `yaml:"site"`
	// Capacity is the node's placement weight in bytes (0: derived from the
	// free space of DataDir at start).
	Capacity uint64 `yaml:"capacity"`
	// DataDir holds everything the node stores.
	DataDir string `yaml:"data_dir"`

	// Bind addresses (host:port). Advertise is the host other nodes use to
	// reach this one when binding a wildcard address.
	GossipAddr string `yaml:"gossip_addr"`
	RPCAddr    string `yaml:"rpc_addr"`
	RaftAddr   string `yaml:"raft_addr"`
	APIAddr    string `yaml:"api_addr"`
	S3Addr     string `yaml:"s3_addr"`
	Advertise  string `yaml:"advertise"`
	// AdvertiseRPC and AdvertiseRaft (host:port) replace the advertised
	// RPC and Raft addresses outright, for nodes reached through NAT, port
	// forwarding or a proxy (advertise.go). Empty: derived from the bind
	// address and Advertise.
	AdvertiseRPC  string `yaml:"advertise_rpc"`
	AdvertiseRaft string `yaml:"advertise_raft"`
	// AdvertiseGossip (IP:port) replaces the advertised gossip address; the
	// forwarder in front of it must carry UDP and TCP.
	AdvertiseGossip string `yaml:"advertise_gossip"`
	// S3Domains enable virtual-host-style S3 addressing (bucket.<domain>).
	S3Domains []string `yaml:"s3_domains"`

	// Join lists gossip addresses of existing members.
	Join []string `yaml:"join"`
	// BootstrapExpect: the first N server nodes seen by gossip form the Raft group.
	BootstrapExpect int `yaml:"bootstrap_expect"`
	// Policy is the EC policy recorded at bootstrap; nil picks
	// layout.DefaultPolicy from the number of nodes at bootstrap.
	Policy *layout.Policy `yaml:"-"`
	// Voters is the Raft voter target (3 or 5).
	Voters int `yaml:"voters"`

	// TLSCertFile, TLSKeyFile and TLSCAFile (PEM; all three or none) are the
	// node certificate, its key and the cluster CA: internal RPC and Raft
	// then use mutual TLS and the API and S3 gateway serve TLS (tls.go).
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	TLSCAFile   string `yaml:"tls_ca_file"`
	// PublicCertFile and PublicKeyFile (together) replace the node
	// certificate on the API and S3 ports, or turn TLS on there alone.
	PublicCertFile string `yaml:"public_cert_file"`
	PublicKeyFile  string `yaml:"public_key_file"`
	// TLSReloadInterval is how often the certificate files are checked for
	// new content (0: 2 s; negative: only on SIGHUP).
	TLSReloadInterval time.Duration `yaml:"tls_reload_interval"`

	// Secret is the cluster secret: gossip encryption and signed node-to-node RPC.
	Secret []byte `yaml:"-"`
	// RootAccessKey/RootSecretKey install a root user at bootstrap.
	RootAccessKey string `yaml:"-"`
	RootSecretKey string `yaml:"-"`

	// MemoryLimit is the Go runtime's soft memory limit of the node process
	// in bytes (runtime/debug.SetMemoryLimit), set by Run: 0 means
	// DefaultMemoryLimit (1 GiB), negative means none. GOMEMLIMIT in the
	// environment wins. Pebble's block cache is outside it.
	MemoryLimit int64 `yaml:"memory_limit"`
	// PooledBodyLimit is the largest HTTP body buffer kept for reuse after a
	// request (0: DefaultPooledBodyLimit, 1 MiB); larger ones are left to
	// the garbage collector. Process-wide, set by Run.
	PooledBodyLimit int `yaml:"pooled_body_limit"`
	// BallastBytes is the disk ballast reserved in DataDir (package
	// diskguard): released when a write hits ENOSPC so metadata keeps
	// working while shard writes are refused. 0: 1% of the filesystem,
	// clamped to [16 MiB, 1 GiB]; negative: no ballast.
	BallastBytes int64 `yaml:"ballast_bytes"`

	// Fast shortens gossip and Raft timings (tests and local clusters).
	Fast bool `yaml:"fast"`
	// RaftHeartbeat, RaftElection and RaftLease replace the Raft timings
	// (raft.Config HeartbeatTimeout, ElectionTimeout, LeaderLeaseTimeout),
	// also under Fast; 0 keeps the default (1 s, 1 s, 500 ms; Fast: 200,
	// 200, 100 ms). The lease must not exceed the heartbeat timeout.
	// `cluster local` derives them from measured loopback latencies.
	RaftHeartbeat time.Duration `yaml:"raft_heartbeat"`
	RaftElection  time.Duration `yaml:"raft_election"`
	RaftLease     time.Duration `yaml:"raft_lease"`
	// MetricsToken, when set, lets GET /metrics be scraped with
	// "Authorization: Bearer <token>" instead of a signed request. It grants
	// nothing else. At least 16 characters.
	MetricsToken string `yaml:"metrics_token"`
	// AuditMaxBytes and AuditMaxAge bound the audit log kept in
	// <DataDir>/audit (package audit; 0: 1 GiB and 90 days).
	AuditMaxBytes int64         `yaml:"audit_max_bytes"`
	AuditMaxAge   time.Duration `yaml:"audit_max_age"`
	// AuthFailuresPerKey failed authentications of one access key from one
	// address, or AuthFailuresPerSource from one address, within
	// AuthFailureWindow throttle it (package authlimit; 0: 10, 100, 15 min).
	AuthFailuresPerKey    int           `yaml:"auth_failures_per_key"`
	AuthFailuresPerSource int           `yaml:"auth_failures_per_source"`
	AuthFailureWindow     time.Duration `yaml:"auth_failure_window"`
	// JWT lists the token issuers whose JWTs the API and the S3 gateway
	// accept as "Authorization: Bearer" (docs/jwt.md). No issuers: none.
	JWT jwtauth.Config `yaml:"jwt"`
	// STS configures the gateway's AssumeRoleWithWebIdentity: roles by ARN
	// and the longest credential lifetime (docs/jwt.md).
	STS sts.Config `yaml:"sts"`
	// LFSHrefTTL is how long the transfer hrefs of the Git LFS API stay
	// valid (0: 1 h; at least 1 s).
	LFSHrefTTL time.Duration `yaml:"lfs_href_ttl"`
	// Runs configures pipeline runs: the lease check and OpenLineage
	// emission (runs.go, docs/runs.md).
	Runs RunsConfig `yaml:"runs"`
	// LFSSpreadTransfers points the upload and download hrefs of the Git
	// LFS API at the node (alive, by rendezvous hash of the OID) that
	// serves each object's transfer, instead of the node that answered
	// the batch: transfers spread over the cluster and a transfer whose
	// node died is retried by git-lfs on another. Clients must reach every
	// node's advertised API address (not behind a single load balancer).
	LFSSpreadTransfers bool `yaml:"lfs_spread_transfers"`
	// ClockOffset shifts this node's clock (fault-injection tests).
	ClockOffset time.Duration `yaml:"-"`
	// TestRaftSnapshotThreshold > 0 makes Raft snapshot after N entries,
	// keep N/2 trailing logs and check every second (fault-injection tests).
	TestRaftSnapshotThreshold uint64 `yaml:"-"`
	// TestFaultFile names a disk-fault rules file (see faultfs.go): reads
	// of the shard files it matches fail with EIO while it says so
	// (fault-injection tests only).
	TestFaultFile string `yaml:"-"`

	Logger *slog.Logger `yaml:"-"`
}

// Default ports.
const (
	DefaultGossipPort = 7946
	DefaultRPCPort    = 7947
	DefaultRaftPort   = 7948
	DefaultAPIPort    = 7070
	DefaultS3Port     = 9000
)

// DefaultConfig returns a config listening on the default ports of all interfaces.
func DefaultConfig() Config {
	return Config{
		Site:            "default",
		DataDir:         "./datamon-data",
		GossipAddr:      fmt.Sprintf("0.0.0.0:%d", DefaultGossipPort),
		RPCAddr:         fmt.Sprintf("0.0.0.0:%d", DefaultRPCPort),
		RaftAddr:        fmt.Sprintf("0.0.0.0:%d", DefaultRaftPort),
		APIAddr:         fmt.Sprintf("0.0.0.0:%d", DefaultAPIPort),
		S3Addr:          fmt.Sprintf("0.0.0.0:%d", DefaultS3Port),
		BootstrapExpect: 3,
		Voters:          3,
	}
}

// Sentinel configuration errors.
var (
	ErrConfig = errors.New("node: invalid config")
)

// Validate checks the config and fills derived defaults.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("%w: data dir is required", ErrConfig)
	}
	if c.Site == "" {
		return fmt.Errorf("%w: site is required", ErrConfig)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return fmt.Errorf("%w: metrics token must be at least 16 characters (got %d)", ErrConfig, len(c.MetricsToken))
	}
	if err := c.validateTokens(); err != nil {
		return err
	}
	if c.LFSHrefTTL < 0 || (c.LFSHrefTTL > 0 && c.LFSHrefTTL < time.Second) {
		return fmt.Errorf("%w: LFS href TTL %v: 0 (default) or at least 1s", ErrConfig, c.LFSHrefTTL)
	}
	if err := c.Runs.validate(); err != nil { // runs.go
		return err
	}
	if c.RaftHeartbeat < 0 || c.RaftElection < 0 || c.RaftLease < 0 {
		return fmt.Errorf("%w: raft timings must not be negative", ErrConfig)
	}
	if len(c.Secret) < 16 {
		return fmt.Errorf("%w: cluster secret must be at least 16 bytes (got %d); set --secret-file or DATAMON_CLUSTER_SECRET", ErrConfig, len(c.Secret))
	}
	for name, a := range map[string]string{"gossip": c.GossipAddr, "rpc": c.RPCAddr, "raft": c.RaftAddr, "api": c.APIAddr} {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("%w: %s address %q: %v", ErrConfig, name, a, err)
		}
	}
	if err := c.validateAdvertise(); err != nil {
		return err
	}
	if err := c.validateTLS(); err != nil {
		return err
	}
	if c.S3Addr != "" {
		if _, _, err := net.SplitHostPort(c.S3Addr); err != nil {
			return fmt.Errorf("%w: s3 address %q: %v", ErrConfig, c.S3Addr, err)
		}
	}
	if c.BootstrapExpect < 1 {
		return fmt.Errorf("%w: bootstrap-expect must be >= 1", ErrConfig)
	}
	if c.Voters == 0 {
		c.Voters = 3
	}
	if c.Voters != 1 && c.Voters != 3 && c.Voters != 5 {
		return fmt.Errorf("%w: voters must be 1, 3 or 5", ErrConfig)
	}
	if c.AuditMaxBytes < 0 || c.AuditMaxAge < 0 || c.AuthFailuresPerKey < 0 || c.AuthFailuresPerSource < 0 || c.AuthFailureWindow < 0 {
		return fmt.Errorf("%w: audit and auth-failure limits must not be negative", ErrConfig)
	}
	if c.PooledBodyLimit < 0 {
		return fmt.Errorf("%w: pooled body limit must be >= 0", ErrConfig)
	}
	if c.Policy != nil {
		if err := c.Policy.Validate(); err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	if (c.RootAccessKey == "") != (c.RootSecretKey == "") {
		return fmt.Errorf("%w: root access key and secret key go together", ErrConfig)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// advertised returns addr with its host replaced by Advertise when addr binds a wildcard.
func (c *Config) advertised(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if c.Advertise != "" {
			host = c.Advertise
		} else {
			host = "127.0.0.1"
		}
	}
	return net.JoinHostPort(host, port)
}
