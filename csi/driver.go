package csi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	csipb "github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
)

// Driver serves the CSI identity, controller and node services.
type Driver struct {
	csipb.UnimplementedIdentityServer
	csipb.UnimplementedControllerServer
	csipb.UnimplementedNodeServer

	cfg   Config
	state *store
	locks keyLocks
	ctrl  controllerState

	mu   sync.Mutex
	srv  *grpc.Server
	lis  net.Listener
	done chan struct{}
}

// New checks cfg, opens the state directory and rediscovers the mounts a
// previous driver process left (repairing read-only mounts whose FUSE
// process died).
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := newStore(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	d := &Driver{cfg: cfg, state: st, done: make(chan struct{})}
	d.ctrl.vols = map[string]*csipb.Volume{}
	d.rediscover(ctx)
	return d, nil
}

// Serve listens on the endpoint and serves until ctx ends or Close.
func (d *Driver) Serve(ctx context.Context) error {
	path, err := d.cfg.socketPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("csi: socket dir: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("csi: stale socket: %w", err)
	}
	lis, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("csi: listen %s: %w", path, err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(d.logCalls))
	csipb.RegisterIdentityServer(srv, d)
	csipb.RegisterControllerServer(srv, d)
	csipb.RegisterNodeServer(srv, d)
	d.mu.Lock()
	d.srv, d.lis = srv, lis
	d.mu.Unlock()
	stop := context.AfterFunc(ctx, d.Close)
	defer stop()
	d.cfg.Logger.Info("csi driver serving", "endpoint", path, "node", d.cfg.NodeID, "name", d.cfg.Name)
	err = srv.Serve(lis)
	if errors.Is(err, grpc.ErrServerStopped) {
		err = nil
	}
	return err
}

// Close stops serving (after in-flight calls). Mounts stay: they belong to
// their FUSE processes.
func (d *Driver) Close() {
	d.mu.Lock()
	srv := d.srv
	d.mu.Unlock()
	if srv != nil {
		srv.GracefulStop()
	}
}

// logCalls logs every call with its outcome.
func (d *Driver) logCalls(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if err != nil {
		d.cfg.Logger.Warn("csi call failed", "method", info.FullMethod, "err", err)
	} else {
		d.cfg.Logger.Debug("csi call", "method", info.FullMethod)
	}
	return resp, err
}

// keyLocks serializes operations on one key (a volume ID).
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*sync.Mutex
}

func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*sync.Mutex{}
	}
	l, ok := k.m[key]
	if !ok {
		l = &sync.Mutex{}
		k.m[key] = l
	}
	k.mu.Unlock()
	l.Lock()
	return l.Unlock
}
