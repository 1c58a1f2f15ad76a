package suite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/load"
	"github.com/datamon-io/datamon/bench/peer"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/bench/s3load"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
)

// Product measurement names.
const (
	LabelsOps = "product.labels.set.ops"
	LabelsP50 = "product.labels.set.p50"
	LabelsP99 = "product.labels.set.p99"
	S3Prefix  = "product.s3"
)

func registerProduct(r *Registry) {
	r.Register(Figure{Name: "product.bundle", Group: GroupProduct, Unit: "MB/s",
		Doc: "bundle upload/download of the mixed set; re-upload after 1 % change", Run: runBundle})
	r.Register(Figure{Name: "product.smallfiles", Group: GroupProduct, Unit: "files/s",
		Doc: "upload of the small-files set (100k × 1–4 KiB full, 5k quick)", Run: runSmallFiles})
	r.Register(Figure{Name: "product.lfs", Group: GroupProduct, Unit: "MB/s",
		Doc: "git push / git lfs pull of LFS objects (1 GiB full, 128 MiB quick) vs bundle upload/download of the same files; stored bytes after a 1 MiB change", Run: runLFS})
	r.Register(Figure{Name: "product.labels", Group: GroupProduct, Unit: "ops/s",
		Doc: "label set (unconditional move), 16 clients: ops/s, p50, p99 vs etcd Put 256 B", Run: runLabels})
	r.Register(Figure{Name: "product.shardstore", Group: GroupProduct, Unit: "MB/s",
		Doc: "node-local shard store (Pebble, sstable ingestion) 256 KiB synced puts, 16/64 writers, write amplification", Run: runShardStore})
	r.Register(Figure{Name: "product.chunk", Group: GroupProduct, Unit: "MB/s",
		Doc: "node chunk API (client.PutChunk/GetChunk) 4 MiB, 16 clients", Run: runChunk})
	r.Register(Figure{Name: "product.s3", Group: GroupProduct, Unit: "MB/s",
		Doc: "S3 gateway PUT/GET 4 MiB (MB/s) and 4 KiB (ops/s), same load as MinIO", Run: runS3})
	r.Register(Figure{Name: "product.fuse", Group: GroupProduct, Unit: "MB/s",
		Doc: "FUSE: sequential read of a 1 GiB file (256 MiB quick) vs bundle download; ls -lR and mount RSS over the small-files bundle", Run: runFuse})
	r.Register(Figure{Name: "product.repair", Group: GroupProduct, Unit: "MB/s", Timeout: 5 * time.Minute,
		Doc: "repair MB/s rebuilt after losing a node (own 5-node 2+2 cluster) at the default and highest rate; time until fsck is healthy",
		Run: runRepair})
	r.Register(Figure{Name: "product.repair.damage", Group: GroupProduct, Unit: "s", Timeout: 5 * time.Minute,
		Doc: "node start → serving with 1 % of its sstables damaged vs a clean start; shards/s rebuilt after the report (own 5-node 2+2 cluster)",
		Run: runDamage})
	r.Register(Figure{Name: "scale.sweep", Group: GroupScale, Unit: "MB/s",
		Doc: "chunk PUT 4 MiB throughput vs client concurrency 1–64 (line chart)", Run: runSweep})
	r.Register(Figure{Name: "scale.sweep-s3", Group: GroupScale, Unit: "MB/s",
		Doc: "S3 PUT 4 MiB throughput vs client concurrency 1–64 (line chart)", Run: runSweepS3})
	r.Register(Figure{Name: "scale.files", Group: GroupScale, Unit: "s", Timeout: 40 * time.Minute,
		Doc: "upload time and client/node peak RSS vs file count (10k, 100k, 1M full; 1k, 10k quick)", Run: runFiles})
	r.Register(Figure{Name: "scale.metadata", Group: GroupScale, Unit: "bytes",
		Doc: "metadata bytes per file (manifest pages) and per bundle (Raft log + FSM growth per node)", Run: runMetadata})
	r.Register(Figure{Name: "scale.placement", Group: GroupScale, Unit: "%",
		Doc: "simulated placement 10→1000 nodes over 3→10 sites: shards moved on join vs ideal, max/mean load", Run: runPlacement})
}

func runLabels(ctx context.Context, e *Env) ([]report.Measurement, error) {
	c, err := e.Client(ctx)
	if err != nil {
		return nil, err
	}
	const ctxName, repo = "bench", "labels"
	if _, err := c.CreateContext(ctx, model.Context{Name: ctxName, Description: "datamon-bench"}); err != nil && !errors.Is(err, model.ErrExists) {
		return nil, fmt.Errorf("suite: labels: create context: %w", err)
	}
	if _, err := c.CreateRepo(ctx, model.Repo{Context: ctxName, Name: repo, Description: "label-set benchmark"}); err != nil && !errors.Is(err, model.ErrExists) {
		return nil, fmt.Errorf("suite: labels: create repo: %w", err)
	}
	b, err := c.CommitBundle(ctx, model.Bundle{Context: ctxName, Repo: repo, Message: "label benchmark target"}, "")
	if err != nil {
		return nil, fmt.Errorf("suite: labels: commit bundle: %w", err)
	}
	op := func(ctx context.Context, cl, seq int) error {
		_, err := c.SetLabel(ctx, ctxName, repo, fmt.Sprintf("c%02d-%03d", cl, (seq+100)%100), b.ID, client.LabelOptions{})
		return err
	}
	// Where the time goes: every node's CPU and goroutines during the load.
	profDone := make(chan string, 1)
	go func() { profDone <- profileCluster(ctx, e, e.Profile.LoadDuration) }()
	res, err := load.Run(ctx, load.Config{Clients: e.Profile.Clients, Duration: e.Profile.LoadDuration, Warmup: 2}, op)
	prof := <-profDone
	if err != nil {
		return nil, fmt.Errorf("suite: labels: %w", err)
	}
	ops := report.OK(GroupProduct, LabelsOps, res.OpsPerSec, "ops/s").Against(ceiling.DiskSyncIOPS, peer.EtcdPutOps).
		WithNotes(fmt.Sprintf("client.SetLabel, %d clients, 100 labels each, %d ops, %d errors; ceiling = unbatched fdatasync rate\n%s",
			res.Clients, res.Ops, res.Errors, prof))
	p50 := report.OK(GroupProduct, LabelsP50, load.Ms(res.P50), "ms").Against("", peer.EtcdPutP50)
	p99 := report.OK(GroupProduct, LabelsP99, load.Ms(res.P99), "ms").Against("", peer.EtcdPutP99)
	p50.LowerIsBetter, p99.LowerIsBetter = true, true
	return []report.Measurement{ops, p50, p99}, nil
}

func runS3(ctx context.Context, e *Env) ([]report.Measurement, error) {
	ci, err := e.Cluster(ctx)
	if err != nil {
		return nil, err
	}
	if ci.S3Endpoint == "" {
		return nil, Skip("the cluster has no S3 endpoint")
	}
	if err := probe(ctx, ci.S3Endpoint); err != nil {
		return nil, Skip("S3 gateway not answering: " + err.Error())
	}
	ms, err := s3load.Measure(ctx, s3load.Target{Endpoint: ci.S3Endpoint, AccessKey: ci.AccessKey, SecretKey: ci.SecretKey},
		s3load.Config{Clients: e.Profile.Clients, Duration: e.Profile.LoadDuration / 2}, GroupProduct, S3Prefix)
	for i := range ms {
		suffix := ms[i].Name[len(S3Prefix):]
		ms[i].Peer = peer.MinioPrefix + suffix
		switch suffix {
		case ".put4MiB":
			ms[i].Ceiling = ceiling.DiskWrite2
		case ".get4MiB":
			ms[i].Ceiling = ceiling.DiskRead
		case ".put4KiB":
			ms[i].Ceiling = ceiling.DiskSyncIOPS
		}
	}
	return ms, err
}

// probe checks that something answers HTTP at url (any status).
func probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
