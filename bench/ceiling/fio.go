package ceiling

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"github.com/datamon-io/datamon/bench/report"
)

// MeasureFio cross-checks the Go disk probes with fio (binary at fioPath):
// sequential 4 MiB writes with end_fsync by 1 and 2 jobs, and an O_DIRECT
// sequential read, each of cfg.DiskBytes per job.
func MeasureFio(ctx context.Context, cfg Config, fioPath string) ([]report.Measurement, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(cfg.Dir, "fio-")
	if err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	defer os.RemoveAll(dir)
	size := strconv.FormatInt(cfg.DiskBytes, 10)
	common := []string{"--directory=" + dir, "--bs=4M", "--size=" + size, "--ioengine=psync",
		"--group_reporting", "--output-format=json", "--filename_format=fio.$jobnum"}
	runs := []struct {
		name, rw string
		args     []string
		note     string
	}{
		{FioWrite1, "write", []string{"--name=w1", "--rw=write", "--numjobs=1", "--end_fsync=1"}, "fio psync, 4 MiB writes, end_fsync, 1 job"},
		{FioWrite2, "write", []string{"--name=w2", "--rw=write", "--numjobs=2", "--end_fsync=1"}, "fio psync, 4 MiB writes, end_fsync, 2 jobs"},
		{FioRead, "read", []string{"--name=w1", "--rw=read", "--numjobs=1", "--direct=1"}, "fio psync, 4 MiB O_DIRECT reads of the 1-job file"},
	}
	var out []report.Measurement
	for _, r := range runs {
		bw, err := runFio(ctx, fioPath, append(r.args, common...), r.rw)
		if err != nil {
			out = append(out, report.Failed(Group, r.name, "MB/s", err))
			continue
		}
		out = append(out, report.OK(Group, r.name, bw/1e6, "MB/s").WithNotes(r.note))
	}
	return out, nil
}

type fioOutput struct {
	Jobs []struct {
		Read struct {
			BwBytes float64 `json:"bw_bytes"`
		} `json:"read"`
		Write struct {
			BwBytes float64 `json:"bw_bytes"`
		} `json:"write"`
	} `json:"jobs"`
}

func runFio(ctx context.Context, fioPath string, args []string, rw string) (float64, error) {
	cmd := exec.CommandContext(ctx, fioPath, args...)
	b, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("ceiling: fio %v: %w", args, err)
	}
	var o fioOutput
	if err := json.Unmarshal(b, &o); err != nil || len(o.Jobs) == 0 {
		return 0, fmt.Errorf("ceiling: fio output: %w (%d jobs)", err, len(o.Jobs))
	}
	var bw float64
	for _, j := range o.Jobs {
		if rw == "read" {
			bw += j.Read.BwBytes
		} else {
			bw += j.Write.BwBytes
		}
	}
	return bw, nil
}
