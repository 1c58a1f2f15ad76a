package runner

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strconv"

	"github.com/datamon-io/datamon/jepsen/nemesis"
	"github.com/datamon-io/datamon/jepsen/netns"
)

// Ports are the listen ports of one node (same on every node in netns mode,
// where each node has its own IP).
type Ports struct{ Gossip, RPC, Raft, API, S3 int }

// DefaultPorts are used when Config.Ports is zero.
var defaultPorts = Ports{Gossip: 7946, RPC: 7001, Raft: 7002, API: 7080, S3: 7090}

// NodeSpec tells a Cluster where node i lives.
type NodeSpec struct {
	Index   int
	ID      string // "n1", …
	Site    string
	NS      string     // namespace to exec in ("" = root)
	IP      netip.Addr // listen / advertise address
	Ports   Ports
	DataDir string
}

// Addr formats ip:port for this node.
func (s NodeSpec) Addr(port int) string { return net.JoinHostPort(s.IP.String(), strconv.Itoa(port)) }

// Env is what a ClusterFactory gets.
type Env struct {
	Network    *netns.Network
	Specs      []NodeSpec
	ResultsDir string // node logs go under ResultsDir/nodes
	Logger     *slog.Logger
	// Dial reaches node addresses from the test process (client namespace).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Endpoints are a node's client-facing addresses.
type Endpoints struct{ API, S3 string }

// Node is one cluster member: a Process the nemeses can kill / pause /
// restart, plus its endpoints.
type Node interface {
	nemesis.Process
	Endpoints() Endpoints
}

// Cluster is implemented by the lead for the real product (ProcessCluster is
// a generic implementation that starts processes; the product-specific
// queries are hooks).
type Cluster interface {
	Nodes() []Node
	// WaitHealthy blocks until every running node answers its health check.
	WaitHealthy(ctx context.Context) error
	// Leader returns the ID of the current metadata leader ("" if unknown).
	Leader(ctx context.Context) (string, error)
	// StateHashes returns each node's metadata state hash (convergence).
	StateHashes(ctx context.Context) (map[string]string, map[string]error)
	Close(ctx context.Context) error
}

// MembershipCluster is optionally implemented to enable the membership nemesis.
type MembershipCluster interface {
	RemoveNode(ctx context.Context, id string) error
	AddNode(ctx context.Context, id string) error
}

// ClusterFactory starts a cluster in env.
type ClusterFactory func(ctx context.Context, env Env) (Cluster, error)
