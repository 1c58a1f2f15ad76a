package runner

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
)

// WorkloadEnv is what a workload factory gets.
type WorkloadEnv struct {
	Cluster   Cluster
	Seed      uint64
	OpTimeout time.Duration
	Dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	Logger    *slog.Logger
}

// Workload generates client operations and checks them.
type Workload interface {
	Name() string
	// Client runs one client loop (process id p), recording into h, until ctx ends.
	Client(ctx context.Context, p int, h *history.History)
	// Final performs the final reads after the heal and quiet period.
	Final(ctx context.Context, p int, h *history.History) error
	// Check validates the workload's history; resultsDir receives artifacts.
	Check(ops []history.Op, resultsDir string) []checker.Result
}

// WorkloadFactory builds a workload for one run.
type WorkloadFactory func(env WorkloadEnv) (Workload, error)

// Registry maps workload names to factories.
type Registry map[string]WorkloadFactory

// ErrorClass decides whether a client error means the operation was
// definitely not applied (true → fail) or may have been (false → info).
type ErrorClass func(err error) bool

// NeverDefinite treats every error as indeterminate (always safe).
func NeverDefinite(error) bool { return false }
