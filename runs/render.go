package runs

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// children returns, per node key, the keys one step further in the walk's
// direction, in edge order, with the edge that leads there.
func children(l model.Lineage) map[string][]model.LineageEdge {
	out := map[string][]model.LineageEdge{}
	for _, e := range l.Edges {
		if l.Direction == model.Upstream {
			out[e.To] = append(out[e.To], e)
		} else {
			out[e.From] = append(out[e.From], e)
		}
	}
	return out
}

// Describe is the one-line text of a node.
func Describe(n model.LineageNode) string {
	switch {
	case n.Hidden:
		return n.Key + " (hidden: no read permission)"
	case n.Run != nil:
		r := n.Run
		s := fmt.Sprintf("run %s %s [%s] owner=%s", r.ID, r.Name, r.Status, r.Owner)
		if r.Pipeline != "" || r.Step != "" {
			s += " step=" + strings.Trim(r.Pipeline+"/"+r.Step, "/")
		}
		if !r.Code.IsZero() {
			s += " code=" + codeString(r.Code)
		}
		if len(r.Params) > 0 {
			s += " params=" + ParamsString(r.Params)
		}
		return s
	case n.Bundle != nil:
		b := n.Bundle
		s := fmt.Sprintf("bundle %s/%s@%s", b.Context, b.Repo, b.ID)
		if b.Missing {
			return s + " (missing)"
		}
		if b.Message != "" {
			s += " " + strconv.Quote(b.Message)
		}
		return s
	}
	return n.Key
}

func codeString(c model.CodeRef) string {
	s := c.Repo
	if c.Commit != "" {
		s += "@" + c.Commit
	}
	if c.Dirty {
		s += "+dirty"
	}
	return s
}

// ParamsString renders params as k=v pairs sorted by key.
func ParamsString(p map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, ",")
}

// Tree writes l as an indented tree from its root; a node reached again
// is printed once more with "(see above)" and not expanded twice.
func Tree(w io.Writer, l model.Lineage) error {
	nodes := map[string]model.LineageNode{}
	for _, n := range l.Nodes {
		nodes[n.Key] = n
	}
	kids := children(l)
	printed := map[string]bool{}
	var err error
	var rec func(key, prefix, branch, via string)
	rec = func(key, prefix, branch, via string) {
		if err != nil {
			return
		}
		line := Describe(nodes[key])
		if via != "" {
			line = via + " " + line
		}
		if printed[key] {
			line += " (see above)"
		}
		_, err = fmt.Fprintf(w, "%s%s%s\n", prefix, branch, line)
		if printed[key] {
			return
		}
		printed[key] = true
		next := prefix
		switch branch {
		case "├── ":
			next += "│   "
		case "└── ":
			next += "    "
		}
		ks := kids[key]
		for i, e := range ks {
			b := "├── "
			if i == len(ks)-1 {
				b = "└── "
			}
			child := e.From
			if l.Direction == model.Downstream {
				child = e.To
			}
			rec(child, next, b, edgeText(e, l.Direction))
		}
	}
	rec(l.Root, "", "", "")
	if err == nil && l.Truncated {
		_, err = fmt.Fprintln(w, "(truncated: the answer reached its node limit; narrow it with --depth)")
	}
	return err
}

func edgeText(e model.LineageEdge, dir string) string {
	var s string
	switch {
	case e.Kind == "input" && dir == model.Upstream:
		s = "read"
	case e.Kind == "input":
		s = "read by"
	case dir == model.Upstream:
		s = "written by"
	default:
		s = "wrote"
	}
	if e.Label != "" {
		s += " (label " + e.Label + ")"
	}
	if e.Path != "" {
		s += " (path " + e.Path + ")"
	}
	return s + ":"
}

// Dot writes l as a Graphviz digraph: runs are boxes, bundles ellipses,
// edges point the way data flowed.
func Dot(w io.Writer, l model.Lineage) error {
	var b strings.Builder
	b.WriteString("digraph lineage {\n  rankdir=LR;\n")
	for _, n := range l.Nodes {
		shape := "ellipse"
		if n.Kind == "run" {
			shape = "box"
		}
		style := ""
		if n.Hidden {
			style = ", style=dashed"
		}
		fmt.Fprintf(&b, "  %s [shape=%s, label=%s%s];\n", strconv.Quote(n.Key), shape, strconv.Quote(Describe(n)), style)
	}
	for _, e := range l.Edges {
		attr := ""
		if e.Label != "" {
			attr = fmt.Sprintf(" [label=%s]", strconv.Quote(e.Label))
		}
		fmt.Fprintf(&b, "  %s -> %s%s;\n", strconv.Quote(e.From), strconv.Quote(e.To), attr)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
