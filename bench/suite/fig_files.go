package suite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/bench/workload"
)

// File-count scaling measurement names: the value is the largest count's,
// the Series holds every count.
const (
	FilesUploadTime = "scale.files.upload-time"
	FilesClientRSS  = "scale.files.client-rss"
	FilesNodeRSS    = "scale.files.node-rss"
)

// runFiles: for each of the profile's file counts, a set of tiny files
// (64–512 B) is generated (not timed) and uploaded as one bundle through
// the transfer pipeline; the figure records the upload time, the peak RSS
// of this process (the client: VmHWM after resetting it through
// /proc/self/clear_refs) and the peak summed RSS of the node processes
// (VmRSS sampled every 100 ms, local clusters only).
func runFiles(ctx context.Context, e *Env) ([]report.Measurement, error) {
	ci, err := e.Cluster(ctx)
	if err != nil {
		return nil, err
	}
	te, err := benchRepo(ctx, e, "bench-files")
	if err != nil {
		return nil, err
	}
	tSeries := &report.Series{XLabel: "files in the bundle", YLabel: "upload time, s"}
	cSeries := &report.Series{XLabel: "files in the bundle", YLabel: "client peak RSS, MiB"}
	nSeries := &report.Series{XLabel: "files in the bundle", YLabel: "nodes' peak RSS (sum), MiB"}
	var notes []string
	hwmReset := true
	for _, n := range e.Profile.FileCounts {
		files, err := workload.SmallFiles(workload.SmallConfig{Seed: 7, Count: n, MinSize: 64, MaxSize: 512})
		if err != nil {
			return nil, err
		}
		dir, err := e.Dir(fmt.Sprintf("files-%d", n))
		if err != nil {
			return nil, err
		}
		e.Log.Info("generating tiny files", "files", n, "dir", dir)
		if err := workload.WriteFiles(ctx, dir, files, e.Workers()); err != nil {
			_ = os.RemoveAll(dir)
			if len(tSeries.Y) == 0 {
				return nil, err
			}
			notes = append(notes, fmt.Sprintf("%d: not measured (generating the files: %v)", n, err))
			break
		}
		if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0o200) != nil {
			hwmReset = false
		}
		samp := startRSSSampler(ci.NodePIDs)
		upStart := time.Now()
		_, st, took, err := te.upload(ctx, dir, fmt.Sprintf("%d tiny files", n))
		nodePeak := samp.stop()
		clientPeak := procStatusKiB("self", "VmHWM")
		_ = os.RemoveAll(dir)
		if err != nil && len(tSeries.Y) == 0 {
			return nil, fmt.Errorf("suite: upload of %d files: %w", n, err)
		}
		if err != nil {
			// Keep the counts that finished; say where and why it stopped.
			notes = append(notes, fmt.Sprintf("%d: did not finish (%v after %s; %d files sent, node RSS peak %d MiB)",
				n, err, time.Since(upStart).Round(time.Second), st.Files, nodePeak>>10))
			break
		}
		x := float64(n)
		tSeries.X, tSeries.Y = append(tSeries.X, x), append(tSeries.Y, took.Seconds())
		cSeries.X, cSeries.Y = append(cSeries.X, x), append(cSeries.Y, float64(clientPeak)/1024)
		if len(ci.NodePIDs) > 0 {
			nSeries.X, nSeries.Y = append(nSeries.X, x), append(nSeries.Y, float64(nodePeak)/1024)
		}
		notes = append(notes, fmt.Sprintf("%d: %s (%.0f files/s)", st.Files, took.Round(time.Millisecond), float64(st.Files)/took.Seconds()))
	}
	last := len(tSeries.Y) - 1
	counts := fmt.Sprint(e.Profile.FileCounts[:last+1])
	tm := report.OK(GroupScale, FilesUploadTime, tSeries.Y[last], "s").
		WithNotes(fmt.Sprintf("value at %d files; one bundle each of 64–512 B files; %s", e.Profile.FileCounts[last], strings.Join(notes, ", ")))
	tm.Series, tm.LowerIsBetter = tSeries, true
	hwm := "VmHWM reset per point"
	if !hwmReset {
		hwm = "VmHWM not resettable: process-lifetime peak"
	}
	cm := report.OK(GroupScale, FilesClientRSS, cSeries.Y[last], "MiB").
		WithNotes(fmt.Sprintf("value at %d files; bench process (the client) %s; counts %s", e.Profile.FileCounts[last], hwm, counts))
	cm.Series, cm.LowerIsBetter = cSeries, true
	out := []report.Measurement{tm, cm}
	if len(ci.NodePIDs) == 0 {
		out = append(out, report.Skipped(GroupScale, FilesNodeRSS, "MiB", "node PIDs unknown (remote cluster)"))
		return out, nil
	}
	nm := report.OK(GroupScale, FilesNodeRSS, nSeries.Y[last], "MiB").
		WithNotes(fmt.Sprintf("value at %d files; peak of the summed VmRSS of %d nodes sampled every 100 ms during the upload",
			e.Profile.FileCounts[last], len(ci.NodePIDs)))
	nm.Series, nm.LowerIsBetter = nSeries, true
	return append(out, nm), nil
}

// rssSampler records the peak of the summed VmRSS of pids.
type rssSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak int64 // KiB
}

func startRSSSampler(pids []int) *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	if len(pids) == 0 {
		return s
	}
	sample := func() {
		var sum int64
		for _, p := range pids {
			sum += procStatusKiB(strconv.Itoa(p), "VmRSS")
		}
		s.peak = max(s.peak, sum)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-s.done:
				sample()
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends sampling and returns the peak in KiB.
func (s *rssSampler) stop() int64 {
	close(s.done)
	s.wg.Wait()
	return s.peak
}

// procStatusKiB reads field (VmRSS, VmHWM) of /proc/PID/status in KiB; 0
// when unreadable.
func procStatusKiB(pid, field string) int64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != field {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(fs[0], 10, 64)
		return n
	}
	return 0
}
