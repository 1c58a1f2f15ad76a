package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
	"github.com/valyala/fasthttp"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/authlimit"
	"github.com/datamon-io/datamon/cas"
	"github.com/datamon-io/datamon/certs"
	"github.com/datamon-io/datamon/diskguard"
	"github.com/datamon-io/datamon/durability"
	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/membership"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/peer"
	"github.com/datamon-io/datamon/raftlog"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/s3backend"
	"github.com/datamon-io/datamon/shard"
	"github.com/datamon-io/datamon/sts"
)

// Node is one running datamon server.
type Node struct {
	cfg   Config
	id    identity
	log   *slog.Logger
	clock func() time.Time

	shards  *shard.Store
	guard   *diskguard.Guard
	rpc     *peer.Server
	rpcCli  *peer.Client
	members *membership.Membership
	logs    *raftlog.Store
	meta    *raftmeta.Meta
	chunks  *cas.Service
	s3      *s3backend.Backend
	gw      *gateway.Server
	api     *fasthttp.Server
	// tlsNode is the node certificate (internal mutual TLS), tlsPublic the
	// one the API and S3 serve (the node's or a separate one); nil: plain.
	tlsNode, tlsPublic *certs.Reloader
	admit              *admission // nil without internal TLS
	metaPtr            atomic.Pointer[raftmeta.Meta]

	auditLog  *audit.Log         // accessguard.go
	authLimit *authlimit.Limiter // accessguard.go
	jwt       *jwtauth.Verifier  // nil: no JWT issuer configured (tokens.go)
	sts       *sts.Service

	listeners []net.Listener
	closers   []func() error // run in reverse order by Close
	wg        sync.WaitGroup
	closeOnce sync.Once
	profileMu sync.Mutex // one CPU profile at a time (handleCPUProfile)
}

// New starts a node. It returns once every listener is bound and gossip has
// started; the Raft group forms in the background (see raftmeta).
func New(ctx context.Context, cfg Config) (n *Node, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := secureDataDir(cfg.DataDir, cfg.Logger); err != nil { // datadir.go
		return nil, err
	}
	id, err := loadIdentity(cfg.DataDir, cfg.ID, cfg.Site)
	if err != nil {
		return nil, err
	}
	cfg.ID = id.ID
	if cfg.Capacity == 0 {
		cfg.Capacity = diskCapacity(cfg.DataDir)
	}
	n = &Node{cfg: cfg, id: id, log: cfg.Logger.With("node", id.ID)}
	offset := cfg.ClockOffset
	n.clock = func() time.Time { return time.Now().Add(offset) }
	// Every error return below sets the named n to nil: close the node
	// through its own variable so the cleanup never hides the real error.
	started := n
	defer func() {
		if err != nil {
			if cerr := started.Close(); cerr != nil {
				started.log.Warn("close after failed start", "err", cerr)
			}
		}
	}()
	if err := n.openStores(); err != nil {
		return nil, err
	}
	if err := n.startTLS(ctx); err != nil {
		return nil, err
	}
	if err := n.startRPC(); err != nil {
		return nil, err
	}
	if err := n.startMembership(ctx); err != nil {
		return nil, err
	}
	if err := n.startMeta(); err != nil {
		return nil, err
	}
	if err := n.startChunks(); err != nil {
		return nil, err
	}
	if err := n.startAccessGuards(); err != nil {
		return nil, err
	}
	if err := n.startTokens(ctx); err != nil {
		return nil, err
	}
	if err := n.startS3(); err != nil {
		return nil, err
	}
	dur, err := n.startDurability()
	if err != nil {
		return nil, err
	}
	if err := n.startAPI(dur); err != nil {
		return nil, err
	}
	n.log.Info("node started", "site", cfg.Site, "api", cfg.advertised(cfg.APIAddr),
		"rpc", cfg.advertisedRPC(), "raft", cfg.advertisedRaft(), "gossip", cfg.advertisedGossip())
	return n, nil
}

// ID is the node's ID.
func (n *Node) ID() string { return n.id.ID }

func (n *Node) onClose(f func() error) { n.closers = append(n.closers, f) }

func (n *Node) openStores() error {
	fs, err := n.openGuard()
	if err != nil {
		return err
	}
	shardFS, faults := fs, (*faultRules)(nil)
	if n.cfg.TestFaultFile != "" {
		faults = &faultRules{path: n.cfg.TestFaultFile, log: n.log.With("component", "faultfs")}
		shardFS = faultFS{FS: fs, rules: faults}
	}
	st, err := shard.Open(shard.StoreConfig{Dir: filepath.Join(n.cfg.DataDir, "shards"), FS: shardFS, Logger: n.log.With("component", "shard")})
	if err != nil {
		return fmt.Errorf("node: open shard store: %w", err)
	}
	if faults != nil {
		faults.armed.Store(true)
	}
	n.shards = st
	n.onClose(st.Close)
	logs, err := raftlog.Open(raftlog.Config{Dir: filepath.Join(n.cfg.DataDir, "raft", "log"), FS: privateFS{fs}, Logger: n.log.With("component", "raftlog")})
	if err != nil {
		return fmt.Errorf("node: open raft log: %w", err)
	}
	n.logs = logs
	n.onClose(logs.Close)
	return nil
}

func (n *Node) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("node: listen %s: %w", addr, err)
	}
	n.listeners = append(n.listeners, ln)
	return ln, nil
}

func (n *Node) goServe(name string, f func() error) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := f(); err != nil && !errors.Is(err, net.ErrClosed) {
			n.log.Error("server stopped", "server", name, "err", err)
		}
	}()
}

func (n *Node) startRPC() error {
	ln, err := n.listenInternal(n.cfg.RPCAddr)
	if err != nil {
		return err
	}
	pc := peer.DefaultServerConfig()
	pc.Secret, pc.Logger, pc.Clock = n.cfg.Secret, n.log.With("component", "rpc"), n.clock
	n.rpc = peer.NewServer(pc)
	n.rpc.ServeShards(n.store())
	n.rpc.Handle("/internal/meta", handleMetaNotReady) // until startMeta (metaready.go)
	n.rpc.Handle(pingPath, handlePing)
	n.rpc.Handle("/internal/debug/cpu-profile", n.handleCPUProfile)
	n.rpc.Handle("/internal/debug/heap-profile", n.handleHeapProfile)
	n.rpc.Handle("/internal/debug/goroutine-profile", n.handleGoroutineProfile)
	cc := peer.DefaultClientConfig()
	cc.Secret, cc.Logger, cc.Clock = n.cfg.Secret, n.log.With("component", "rpc-client"), n.clock
	cc.TLS = n.clientTLS()
	n.rpcCli = peer.NewClient(cc)
	n.startAdmission()
	n.goServe("rpc", func() error { return n.rpc.Serve(ln) })
	n.onClose(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return n.rpc.Shutdown(ctx)
	})
	return nil
}

func (n *Node) startMembership(ctx context.Context) error {
	host, portStr, _ := net.SplitHostPort(n.cfg.GossipAddr)
	port, _ := strconv.Atoi(portStr)
	mc := membership.DefaultConfig()
	mc.Meta = membership.Meta{
		ID: n.id.ID, Site: n.cfg.Site, Capacity: n.cfg.Capacity, Server: true,
		RPCAddr: n.cfg.advertisedRPC(), RaftAddr: n.cfg.advertisedRaft(),
		APIAddr: n.cfg.advertised(n.cfg.APIAddr),
	}
	if n.cfg.S3Addr != "" {
		mc.Meta.S3Addr = n.cfg.advertised(n.cfg.S3Addr)
	}
	mc.BindAddr, mc.BindPort = host, port
	if adv, advPort, err := net.SplitHostPort(n.cfg.advertisedGossip()); err == nil {
		mc.AdvertiseAddr = adv
		if mc.AdvertisePort, err = strconv.Atoi(advPort); err != nil {
			mc.AdvertisePort = port
		}
	}
	// Join happens in the background (rejoinLoop): a node must start even
	// while every seed is down, and reconnect after partitions.
	mc.Secret, mc.Fast = n.cfg.Secret, n.cfg.Fast
	mc.Logger = n.log.With("component", "gossip")
	m, err := membership.Start(ctx, mc)
	if err != nil {
		return fmt.Errorf("node: gossip: %w", err)
	}
	n.members = m
	if len(n.cfg.Join) > 0 {
		if _, err := m.Join(n.cfg.Join); err != nil {
			n.log.Info("no seed reachable yet; retrying in the background", "join", n.cfg.Join, "err", err)
		}
	}
	bg, cancel := context.WithCancel(context.Background())
	every := 5 * time.Second
	if n.cfg.Fast {
		every = time.Second
	}
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.rejoinLoop(bg, every) }()
	n.onClose(func() error {
		cancel()
		_ = m.Leave(2 * time.Second)
		return m.Close()
	})
	return nil
}

func (n *Node) startMeta() error {
	ln, err := n.listen(n.cfg.RaftAddr)
	if err != nil {
		return err
	}
	adv, err := net.ResolveTCPAddr("tcp", n.cfg.advertisedRaft())
	if err != nil {
		return fmt.Errorf("node: raft advertise address: %w", err)
	}
	st, err := n.streamTLS()
	if err != nil {
		return err
	}
	stream := peer.NewStreamLayerTLS(ln, adv, n.cfg.Secret, 10*time.Second, n.log.With("component", "raft-stream"), st)
	trans := raft.NewNetworkTransportWithLogger(stream, 3, 10*time.Second, hclogFor(n.log.With("component", "raft-transport")))
	n.onClose(trans.Close)
	snapDir := filepath.Join(n.cfg.DataDir, "raft", "snapshots")
	fileSnaps, err := raft.NewFileSnapshotStoreWithLogger(snapDir, 2, hclogFor(n.log.With("component", "raft-snapshots")))
	if err != nil {
		return fmt.Errorf("node: raft snapshots: %w", err)
	}
	snaps := privateSnapshots{SnapshotStore: fileSnaps, dir: snapDir, log: n.log} // datadir.go
	mcfg := raftmeta.DefaultConfig()
	mcfg.NodeID = n.id.ID
	mcfg.Dir = filepath.Join(n.cfg.DataDir, "meta")
	mcfg.FS = privateFS{n.guard.FS(vfs.Default)}
	mcfg.BootstrapExpect = n.cfg.BootstrapExpect
	mcfg.Voters = n.cfg.Voters
	mcfg.Policy = n.cfg.Policy
	mcfg.Clock = n.clock
	mcfg.Secret = n.cfg.Secret // seals access key secrets at rest
	mcfg.Fast = n.cfg.Fast
	if n.cfg.RaftHeartbeat > 0 || n.cfg.RaftElection > 0 || n.cfg.RaftLease > 0 {
		mcfg.KeepTimings = true
		hb := n.cfg.RaftHeartbeat
		if hb == 0 {
			hb = mcfg.HeartbeatTimeout
		}
		el, lease := n.cfg.RaftElection, n.cfg.RaftLease
		if el == 0 {
			el = hb
		}
		if lease == 0 {
			lease = hb / 2
		}
		mcfg.HeartbeatTimeout, mcfg.ElectionTimeout, mcfg.LeaderLeaseTimeout = hb, el, min(lease, hb)
		if n.cfg.Fast {
			mcfg.CommitTimeout = 10 * time.Millisecond
		}
	}
	mcfg.SnapshotThreshold, mcfg.TrailingLogs, mcfg.SnapshotInterval = n.cfg.TestRaftSnapshotThreshold, n.cfg.TestRaftSnapshotThreshold/2, time.Duration(min(n.cfg.TestRaftSnapshotThreshold, 1))*time.Second // 0: defaults
	mcfg.Logger = n.log.With("component", "raftmeta")
	if n.cfg.RootAccessKey != "" {
		mcfg.RootKey = &model.AccessKey{ID: n.cfg.RootAccessKey, Secret: n.cfg.RootSecretKey, Root: true,
			Contributor: model.Contributor{Name: "root", Email: "root@localhost"}}
	}
	m, err := raftmeta.New(mcfg, trans, n.logs, n.logs, snaps, gossipServers{n.members, n.admit}, metaForwarder{n.rpcCli})
	if err != nil {
		return fmt.Errorf("node: raft metadata: %w", err)
	}
	n.meta = m
	n.metaPtr.Store(m)
	n.rpc.Handle("/internal/meta", n.handleMetaForward) // after n.meta is set (metaready.go)
	n.onClose(m.Close)
	// Gossip changes (joins, deaths, meta updates) prompt the leader to
	// reconcile voters and the layout at once instead of at its next tick.
	events, unsubscribe := n.members.Subscribe()
	bg, cancel := context.WithCancel(context.Background())
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for {
			select {
			case <-bg.Done():
				return
			case _, ok := <-events:
				if !ok {
					return
				}
				m.Kick()
			}
		}
	}()
	n.onClose(func() error { cancel(); unsubscribe(); return nil })
	return nil
}

func (n *Node) handleMetaForward(rc *fasthttp.RequestCtx) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := n.meta.HandleForward(ctx, rc.PostBody())
	if err != nil {
		rc.Error(err.Error(), fasthttp.StatusServiceUnavailable)
		return
	}
	rc.SetBody(out)
}

func (n *Node) startChunks() error {
	c, err := cas.New(cas.Config{Logger: n.log.With("component", "cas")}, topology{n}, shardIO{n})
	if err != nil {
		return fmt.Errorf("node: chunk service: %w", err)
	}
	n.chunks = c
	n.onClose(c.Close)
	return nil
}

// startS3 builds the S3 backend (repos as buckets, drafts in Raft) and, when
// an S3 address is configured, serves the gateway on it.
func (n *Node) startS3() error {
	b, err := s3backend.New(s3backend.Config{Logger: n.log.With("component", "s3backend")}, servingMeta{n.meta}, n.chunks)
	if err != nil {
		return fmt.Errorf("node: s3 backend: %w", err)
	}
	n.s3 = b
	if n.cfg.S3Addr == "" {
		return nil
	}
	ln, err := n.listenPublic(n.cfg.S3Addr)
	if err != nil {
		return err
	}
	gcfg := gateway.DefaultConfig()
	gcfg.Logger, gcfg.Clock = n.log.With("component", "s3"), n.clock
	gcfg.Domains = n.cfg.S3Domains
	gcfg.Unavailable = unavailable
	n.guardS3(&gcfg)
	if n.sts != nil {
		gcfg.Tokens = n.sts
	}
	gw, err := gateway.New(gcfg, b, b)
	if err != nil {
		return fmt.Errorf("node: s3 gateway: %w", err)
	}
	n.gw = gw
	n.goServe("s3", func() error { return gw.Serve(ln) })
	n.onClose(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return gw.Shutdown(ctx)
	})
	return nil
}

func (n *Node) startAPI(dur *durability.Service) error {
	ln, err := n.listenPublic(n.cfg.APIAddr)
	if err != nil {
		return err
	}
	acfg := api.DefaultConfig()
	acfg.Logger = n.log.With("component", "api")
	acfg.Stale = raftmeta.WithStale
	acfg.Now = n.clock
	acfg.MetricsToken = n.cfg.MetricsToken
	acfg.Unavailable = unavailable
	acfg.Identities = servingMeta{n.meta} // users, keys and grants in Raft (raftmeta/identity.go)
	n.guardAPI(&acfg)
	if err := n.wireRuns(&acfg); err != nil { // runs.go
		return err
	}
	if n.jwt != nil {
		acfg.Tokens = n.jwt
	}
	srv := api.New(acfg, servingMeta{n.meta}, n.chunks, n.clusterAPI(dur))
	if err := n.mountLFS(srv); err != nil { // lfs.go
		return err
	}
	// Bodies stream (Git LFS uploads are whole objects); the API buffers
	// its own up to its limits (api.Mount).
	n.api = &fasthttp.Server{Handler: srv.Handler(), Name: "datamon", MaxRequestBodySize: acfg.MaxChunkBody + 1<<20,
		ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute, StreamRequestBody: true}
	n.goServe("api", func() error { return n.api.Serve(ln) })
	n.onClose(func() error { return n.api.Shutdown() })
	return nil
}

// Close stops every service in reverse start order and waits for them.
func (n *Node) Close() error {
	var errs []error
	n.closeOnce.Do(func() {
		for i := len(n.closers) - 1; i >= 0; i-- {
			if err := n.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		for _, ln := range n.listeners {
			_ = ln.Close()
		}
		n.wg.Wait()
	})
	return errors.Join(errs...)
}

// Run starts a node and blocks until ctx is done, then closes it.
func Run(ctx context.Context, cfg Config) error {
	mem := applyMemoryTunables(cfg)
	n, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	n.log.Info("memory", "tunables", mem)
	<-ctx.Done()
	n.log.Info("node stopping")
	return n.Close()
}
