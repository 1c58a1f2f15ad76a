package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"text/tabwriter"
	"text/template"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// Default line formats (datamon's, where datamon had one).
const (
	fmtRepo      = "{{.Name}} , {{.Description}} , {{.Contributor.Name}} , {{.Contributor.Email}} , {{.Timestamp}}"
	fmtLabel     = "{{.Name}} , {{.BundleID}} , {{.Timestamp}}"
	fmtLabelVers = "{{.Name}} , {{.BundleID}} , {{.Timestamp}}{{range .Versions}}\n  {{.To}} , {{.Timestamp}} , {{.Contributor.Name}}{{end}}"
	fmtMove      = "{{.To}} , {{.Timestamp}} , {{.Contributor.Name}}"
	fmtBundle    = "{{.ID}} , {{.Timestamp}} , {{.Message}}"
	fmtContext   = "{{.Name}} , {{.Description}} , {{.Timestamp}}"
	fmtMember    = "{{.ID}} , {{.Site}} , {{.State}} , {{.Addr}} , {{.APIAddr}} , {{.Capacity}} , {{if .Raft}}{{.Raft}}{{else}}-{{end}}"
	// cluster members as a table (text output without --format).
	memberHeader = "NODE\tSITE\tSTATE\tGOSSIP\tAPI\tCAPACITY\tRAFT"
	memberRow    = "{{.ID}}\t{{.Site}}\t{{.State}}\t{{.Addr}}\t{{.APIAddr}}\t{{bytes .Capacity}}\t{{if .Raft}}{{.Raft}}{{else}}-{{end}}"
	fmtStatus    = "node: {{.NodeID}}\nstate: {{.State}}\nleader: {{.LeaderID}} ({{.LeaderAddr}})\nterm: {{.Term}}\n" +
		"commit_index: {{.CommitIndex}}\napplied_index: {{.AppliedIndex}}\nvoters: {{join .Voters}}\n" +
		"nonvoters: {{join .NonVoters}}\nlayout_version: {{.LayoutVersion}}\nshard_writes: {{.ShardWrites}}" +
		"{{if .Metadata}}\nmetadata: {{.Metadata}}{{end}}"
	fmtVersion = "datamon {{.Version}} ({{.Commit}}, {{.GoVersion}})"
)

// addFormatFlag adds --format with a default template.
func addFormatFlag(cmd *cobra.Command, def string) {
	cmd.Flags().String("format", def, "Go template for each item (`{{ printf \"%#v\" . }}` shows the fields); ignored with --output json")
}

// print writes v (a slice: one line per element) as JSON or via the
// command's --format template.
func (a *app) print(cmd *cobra.Command, v any) error {
	format, _ := cmd.Flags().GetString("format")
	return render(a.out, a.output, format, v)
}

func render(w io.Writer, output, format string, v any) error {
	if output == "json" {
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			v = []any{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	t, err := template.New("format").Funcs(templateFuncs).Parse(format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return execLine(w, t, v)
	}
	for i := 0; i < rv.Len(); i++ {
		if err := execLine(w, t, rv.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

// templateFuncs are the functions --format templates may use: join (a
// list with commas) and bytes (a size in human units, e.g. 252 GiB).
var templateFuncs = template.FuncMap{
	"join":  joinStrings,
	"bytes": func(n any) string { return humanBytes(reflect.ValueOf(n).Convert(reflect.TypeOf(int64(0))).Int()) },
}

// printTable prints v (a slice) as an aligned table under header when the
// command's --format was not given and the output is text; otherwise as
// print does. row is the template of one row, with tabs between cells.
func (a *app) printTable(cmd *cobra.Command, v any, header, row string) error {
	if a.output == "json" || cmd.Flags().Changed("format") {
		return a.print(cmd, v)
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	if err := render(tw, "text", row, v); err != nil {
		return err
	}
	return tw.Flush()
}

func execLine(w io.Writer, t *template.Template, v any) error {
	if err := t.Execute(w, v); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func joinStrings(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// isTerminal reports whether r is an interactive terminal (not /dev/null,
// a pipe or a file).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
