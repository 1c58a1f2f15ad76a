package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/datamon-io/datamon/bench/report"
)

// product.python: the Python ways in, same run, same data
// (python/bench/read_bench.py): client.open().read() of one large file vs
// boto3 against the S3 gateway vs a local file; pandas.read_csv of a CSV
// through datamon:// vs boto3 vs local; writes through the SDK (chunk API)
// vs boto3 (S3 draft + commit); reads verified in the client (pure-Python
// BLAKE3) for the verification choice.
func registerPython(r *Registry) {
	r.Register(Figure{Name: "product.python", Group: GroupProduct, Unit: "MB/s",
		Doc: "Python: client.open().read() of a 1 GiB file (64 MiB quick) and pandas.read_csv of a 200 MB CSV (16 MB quick) via datamon:// vs boto3 on the S3 gateway vs local; SDK vs boto3 writes",
		Run: runPython})
}

func runPython(ctx context.Context, e *Env) ([]report.Measurement, error) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		return nil, fmt.Errorf("suite: python: %s not installed: %w", py, ErrSkipped)
	}
	ci, err := e.Cluster(ctx)
	if err != nil {
		return nil, err
	}
	if ci.ConfigPath == "" {
		return nil, fmt.Errorf("suite: python: needs a client.yaml (local cluster or -config): %w", ErrSkipped)
	}
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(self), "..", "..")
	size, csv := int64(1<<30), int64(200_000_000)
	if e.Profile.Dataset.Total < 1<<30 {
		size, csv = 64<<20, 16_000_000
	}
	dir, err := e.Dir("python")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, py, filepath.Join(root, "python", "bench", "read_bench.py"),
		"--bytes", strconv.FormatInt(size, 10), "--csv-bytes", strconv.FormatInt(csv, 10), "--dir", dir)
	cmd.Env = append(os.Environ(), "DATAMON_CONFIG="+ci.ConfigPath, "PYTHONPATH="+filepath.Join(root, "python"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("suite: python: %v: %s", err, errb.String())
	}
	var r map[string]float64
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("suite: python: bad output %q: %w", out.String(), err)
	}
	m := func(name, key, peerName, peerKey, notes string) report.Measurement {
		x := report.Measurement{Name: "product.python." + name, Group: GroupProduct, Value: r[key], Unit: "MB/s",
			Notes: notes, Status: report.StatusOK}
		if peerKey != "" && r[peerKey] > 0 {
			// Same-run comparison, kept in the notes and Extra (the runner
			// owns the Peer fields of peer figures).
			x.Notes += fmt.Sprintf("; %s: %.1f MB/s (ratio %.2f)", peerName, r[peerKey], r[key]/r[peerKey])
			x.Extra = map[string]any{"compared_with": peerName, "compared_mbps": r[peerKey]}
		}
		return x
	}
	big := fmt.Sprintf("%d MiB file", size>>20)
	csvn := fmt.Sprintf("%.0f MB CSV, %.0f rows", r["csv_bytes"]/1e6, r["csv_rows"])
	return []report.Measurement{
		m("open.read", "sdk_read_mbps", "boto3 GET (S3 gateway)", "boto3_read_mbps", big+"; node-verified chunks over TLS"),
		m("open.read.local", "local_read_mbps", "", "", big+": local file, page cache"),
		m("open.read.client-verified", "sdk_read_client_verified_mbps", "node-verified read", "sdk_read_mbps",
			"pure-Python BLAKE3 in the client (verify=\"client\")"),
		m("read_csv", "pandas_datamon_mbps", "pandas via boto3", "pandas_boto3_mbps", csvn+" via datamon://"),
		m("read_csv.local", "pandas_local_mbps", "", "", csvn+": local file"),
		m("write", "sdk_write_mbps", "boto3 upload_file + draft commit", "boto3_write_mbps", big+" + CSV: chunk API + node-side assembly"),
	}, nil
}
