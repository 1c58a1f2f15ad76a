package suite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/peer"
	"github.com/datamon-io/datamon/bench/report"
)

func registerPeers(r *Registry) {
	r.Register(Figure{Name: "peer.etcd", Group: GroupPeer, Unit: "ops/s", Peer: true,
		Doc: "etcd (Debian etcd-server) one member: Put 256 B, 16 clients, ops/s p50 p99", Run: runEtcd})
	r.Register(Figure{Name: "peer.restic", Group: GroupPeer, Unit: "MB/s", Peer: true,
		Doc: "restic (Debian) backup / re-backup after 1 % change / restore of the mixed set", Run: runRestic})
	r.Register(Figure{Name: "peer.minio", Group: GroupPeer, Unit: "MB/s", Peer: true,
		Doc: "MinIO (MINIO_BIN) one server, 4 dirs, same S3 load as the gateway", Run: runMinio})
}

func findPeer(ctx context.Context, e *Env, bin, pkg string) (string, error) {
	p, err := peer.Find(ctx, e.Log, bin, pkg, e.Cfg.Install)
	if errors.Is(err, peer.ErrNotInstalled) {
		return "", Skip(err.Error())
	}
	return p, err
}

func runEtcd(ctx context.Context, e *Env) ([]report.Measurement, error) {
	bin, err := findPeer(ctx, e, "etcd", "etcd-server")
	if err != nil {
		return nil, err
	}
	dir, err := e.Dir("etcd")
	if err != nil {
		return nil, err
	}
	ms, err := peer.RunEtcd(ctx, peer.EtcdConfig{Bin: bin, Dir: dir, Clients: e.Profile.Clients,
		Duration: e.Profile.LoadDuration, ValueSize: 256, Logger: e.Log})
	for i := range ms {
		if ms[i].Name == peer.EtcdPutOps {
			ms[i].Ceiling = ceiling.DiskSyncIOPS
		}
	}
	return ms, err
}

func runRestic(ctx context.Context, e *Env) ([]report.Measurement, error) {
	bin, err := findPeer(ctx, e, "restic", "restic")
	if err != nil {
		return nil, err
	}
	dir, err := e.Dir("restic")
	if err != nil {
		return nil, err
	}
	rs := &peer.Restic{Bin: bin, Dir: dir, Logger: e.Log}
	defer rs.Clean()
	src, set, mut, err := e.Dataset(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("suite: data set: %w", err)
	}
	if err := rs.Init(ctx); err != nil {
		return nil, err
	}
	var out []report.Measurement
	first, err := rs.Backup(ctx, src, "")
	if err != nil {
		return nil, err
	}
	total := set.Total()
	out = append(out, report.OK(GroupPeer, peer.ResticBackup, float64(total)/1e6/first.Took.Seconds(), "MB/s").
		Against(ceiling.DiskWrite1, "").WithNotes(fmt.Sprintf("%d MiB, %d files in %.1f s, %d MiB added; data set warm in page cache",
		total>>20, len(set.Files), first.Took.Seconds(), first.DataAdded>>20)))
	if _, _, _, err := e.Dataset(ctx, true); err != nil {
		return out, fmt.Errorf("suite: mutate data set: %w", err)
	}
	second, err := rs.Backup(ctx, src, first.SnapshotID)
	if err != nil {
		return out, err
	}
	rb := report.OK(GroupPeer, peer.ResticRebackup, second.Took.Seconds(), "s").WithNotes(fmt.Sprintf(
		"after changing %d files / %d KiB; %d files changed per restic", mut.FilesTouched, mut.ChangedBytes>>10, second.FilesChanged))
	rb.LowerIsBetter = true
	added := report.OK(GroupPeer, peer.ResticRebackupAdded, float64(second.DataAdded)/float64(max(1, mut.ChangedBytes)), "× changed bytes").
		WithNotes(fmt.Sprintf("%d KiB added for %d KiB changed (random data: incompressible)", second.DataAdded>>10, mut.ChangedBytes>>10))
	added.LowerIsBetter = true
	out = append(out, rb, added)
	took, err := rs.Restore(ctx, second.SnapshotID)
	if err != nil {
		return out, err
	}
	restored := total + mut.InsertedBytes
	out = append(out, report.OK(GroupPeer, peer.ResticRestore, float64(restored)/1e6/took.Seconds(), "MB/s").
		Against(ceiling.DiskWrite1, "").WithNotes(fmt.Sprintf("%d MiB restored + sync(2) in %.1f s", restored>>20, took.Seconds())))
	return out, nil
}

func runMinio(ctx context.Context, e *Env) ([]report.Measurement, error) {
	bin := e.Cfg.MinioBin
	if bin == "" {
		return nil, Skip("MINIO_BIN not set")
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, Skip(fmt.Sprintf("MINIO_BIN %s: %v", bin, err))
	}
	dir, err := e.Dir("minio")
	if err != nil {
		return nil, err
	}
	return peer.RunMinio(ctx, peer.MinioConfig{Bin: bin, Dir: dir, Logger: e.Log,
		Clients: e.Profile.Clients, Duration: e.Profile.LoadDuration / 2, StopTimeout: 10 * time.Second})
}
