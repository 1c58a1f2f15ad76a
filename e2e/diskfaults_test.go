package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/datamon-io/datamon/client"
)

// TestDiskFaultsDamagedSSTablesNodeRestart is issue 14's multi-process
// test. 6 nodes on 3 sites, EC 4+2, 384 files of ~140 KiB uploaded in 16
// bundles (each node holds one shard of every chunk, in a few dozen ingested
// sstables). One node is stopped gracefully; below Pebble, bytes are flipped
// in 10 random data blocks, in the index block of another sstable, a third
// sstable is truncated and a fourth deleted. The node then:
//   - starts and serves: the bundle downloads byte-exact through it alone;
//   - reports exactly the damaged sstables (its log names them and no other;
//     its corrupt_files count equals them);
//   - keeps the healthy shards of the flipped files (relocated locally, not
//     rebuilt from elsewhere) and rebuilds the unreadable ones only;
//   - repairs until `cluster fsck --verify` is 100 % healthy and holds all
//     its shards again;
//
// and no node log holds a panic.
func TestDiskFaultsDamagedSSTablesNodeRestart(t *testing.T) {
	c := startCluster(t, 6, 3, "4+2")
	mustCLI(t, c, "repo", "create", "--repo", "disk", "--description", "issue 14")
	src := filepath.Join(t.TempDir(), "src")
	r := rand.New(rand.NewPCG(14, 14))
	// Files of 132-150 KiB: one chunk each, whose 4+2 shards (33-38 KiB)
	// fill one 32 KiB data block each. Pebble checks a block that fails its
	// checksum for a single flipped bit (up to 40 KiB x 8 checksums of the
	// whole block, see docs/disk-faults.md), so every read of a damaged block
	// costs CPU growing with the block's size squared: ~0.5 s here, seconds
	// for a block of one 256 KiB shard. Sixteen bundles of 24 files each
	// (one or two 4 MiB PutChunks batches): a few sstables per node each.
	var id string
	for b := range 16 {
		for i := range 24 {
			writeSeeded(t, filepath.Join(src, fmt.Sprintf("d%02d/f%02d.bin", b, i)), 132<<10+r.IntN(18<<10), uint64(1400+24*b+i), 0o644)
		}
		id = bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "disk", "--path", src, "--message", fmt.Sprint("step ", b)))
	}
	want := treeDigest(t, src)
	waitHealthy(t, c, 60*time.Second)
	t0 := time.Now()
	t.Logf("uploaded 16 bundles (%d files and dirs)", len(want))
	before := durabilityJSON(t, c)
	rebuiltBefore := rebuiltShards(before)

	const v = 5
	victim := c.Nodes[v]
	movedBefore := movedShards(before, victim.ID)
	if err := c.Terminate(v); err != nil { // graceful: every shard is in an ingested sstable
		t.Fatal(err)
	}
	dmg := damageStore(t, filepath.Join(victim.Dir, "shards"), 10, rand.New(rand.NewPCG(41, 14)))
	t.Logf("damaged %d of the node's sstables (%v flipped, %v whole): %d of its %d shards: %d lost, %d unreadable, %d healthy",
		len(dmg.files), dmg.flipped, dmg.whole, dmg.damaged(), dmg.held, dmg.lost, dmg.unreadable, dmg.healthy)
	if err := c.Restart(v); err != nil {
		t.Fatal(err)
	}
	waitReady(t, c)

	// Serves: the bundle through the damaged node alone, byte-exact.
	dst := filepath.Join(t.TempDir(), "via-victim")
	mustCLI(t, c, "bundle", "download", "--server", victim.APIURL(), "--repo", "disk", "--bundle", id, "--destination", dst)
	compareTrees(t, want, treeDigest(t, dst))

	t.Logf("%v: restarted and served", time.Since(t0))
	var st client.NodeDurability
	defer func() {
		if t.Failed() {
			t.Logf("last status of %s: damage %+v scrub %+v", victim.ID, st.Damage, st.Scrub)
		}
	}()
	pollUntil(t, 60*time.Second, "the damaged sstables handled", func() bool {
		st = nodeStatus(durabilityJSON(t, c), victim.ID)
		dm := st.Damage
		return dm.CorruptFiles >= uint64(len(dmg.files)) && dm.Quarantined >= uint64(len(dmg.flipped)) &&
			dm.DamagedShards == 0
	})
	t.Logf("%v: damaged sstables handled", time.Since(t0))
	waitHealthy(t, c, 60*time.Second, "--verify")
	t.Logf("%v: fsck --verify 100%% healthy", time.Since(t0))
	all := durabilityJSON(t, c)
	st = nodeStatus(all, victim.ID)
	dm := st.Damage
	movedIn := movedShards(all, victim.ID) - movedBefore
	t.Logf("node %s reports: damage %+v, scrub corrupt %d repaired %d; meanwhile the other nodes rebuilt %d shards "+
		"(the node was away longer than the repair delay) and handed %d back",
		victim.ID, dm, st.Scrub.CorruptFound, st.Scrub.Repaired, rebuiltShards(all)-rebuiltBefore, movedIn)

	// Exactly the damaged files are reported.
	if got, want := reportedFiles(t, victim.LogPath()), sortedKeys(dmg.files); !slices.Equal(got, want) {
		t.Errorf("log reports damaged sstables %v, want exactly %v", got, want)
	}
	if dm.CorruptFiles != uint64(len(dmg.files)) || dm.Quarantined != uint64(len(dmg.flipped)) || dm.Failures != 0 {
		t.Errorf("corrupt_files %d, quarantined %d, failures %d; want %d, %d (the flipped files; the whole-file ones are quarantined at open), 0",
			dm.CorruptFiles, dm.Quarantined, dm.Failures, len(dmg.files), len(dmg.flipped))
	}
	// Healthy shards of the flipped files are relocated (kept), never
	// rebuilt; a corrupt one may be relocated only once another path
	// rewrote it between the damage pass's listing and its read.
	if int(dm.Relocated) < dmg.healthy || int(dm.Relocated) > dmg.healthy+dmg.unreadable {
		t.Errorf("%d shards relocated; want the %d healthy shards of the flipped files kept", dm.Relocated, dmg.healthy)
	}
	// Unreadable shards are rebuilt by the damage pass or the scrub (at
	// most once by each, when both reach one in the same seconds), unless
	// the copy another node rebuilt while this one was away came back first.
	if rebuilt := int(dm.Rebuilt + st.Scrub.Repaired); rebuilt+int(movedIn) < dmg.rebuildable() || rebuilt > 2*dmg.rebuildable() {
		t.Errorf("%d shards rebuilt (%d handed back); want the %d unreadable ones (%d lost + %d in flipped blocks), not the %d held",
			rebuilt, movedIn, dmg.rebuildable(), dmg.lost, dmg.unreadable, dmg.held)
	}
	if st.Shards != int64(dmg.held) {
		t.Errorf("node holds %d shards after the repair, want its %d", st.Shards, dmg.held)
	}

	dst2 := filepath.Join(t.TempDir(), "after-repair")
	mustCLI(t, c, "bundle", "download", "--server", victim.APIURL(), "--repo", "disk", "--bundle", id, "--destination", dst2)
	compareTrees(t, want, treeDigest(t, dst2))
	for _, n := range c.Nodes {
		b, err := os.ReadFile(n.LogPath())
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(bytes.ToLower(b), []byte("panic")); i >= 0 {
			t.Errorf("%s: panic in the log: %q", n.ID, b[max(0, i-200):min(len(b), i+400)])
		}
	}
}

// rebuiltShards sums the shards every node's repair passes rebuilt.
func rebuiltShards(st client.ClusterDurability) uint64 {
	var n uint64
	for _, nd := range st.Nodes {
		n += nd.Repair.RebuiltShards
	}
	return n
}

// movedShards sums the shards the nodes but skip moved to their owner.
func movedShards(st client.ClusterDurability, skip string) uint64 {
	var n uint64
	for _, nd := range st.Nodes {
		if nd.ID != skip {
			n += nd.Rebalance.MovedShards
		}
	}
	return n
}
