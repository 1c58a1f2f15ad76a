package e2e

import (
	"bufio"
	"fmt"
	"regexp"
	"strings"
)

// The README's tour is executable documentation. tourScript reads it:
//
//   - the tour is the text between the "## A tour" heading and the next "## "
//     heading;
//   - every ```sh block runs, in order, in one bash session, unless the line
//     before its fence is a `<!-- tour: skip … -->` comment (the reason
//     follows "skip");
//   - a line `#> text` after a command is what that command prints: every
//     such line must match a line of the command's output, in order; `…`
//     matches anything and runs of spaces match any run of spaces;
//   - a plain ``` block after `<!-- tour: make-run-output -->` is what
//     `make run` prints; it is matched against the real output the same way,
//     with every number allowed to differ (PIDs, ports).

// tourUnit is one command of the tour (continuation lines joined) with the
// output lines the README promises for it.
type tourUnit struct {
	Block  int      // 1-based index of the ```sh block in the tour
	Line   int      // README line number of the command
	Cmd    string   // the command as bash sees it
	Expect []string // `#>` lines, without the marker
}

// tourDoc is the parsed tour.
type tourDoc struct {
	Units    []tourUnit
	ReadyOut []string // the make-run-output block's lines
	Skipped  int      // ```sh blocks marked skip
	ShBlocks int      // ```sh blocks run
}

func parseTour(readme string) (*tourDoc, error) {
	sc := bufio.NewScanner(strings.NewReader(readme))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var (
		doc              tourDoc
		in, inTour, seen bool
		fenceKind        string // "sh", "ready", "other"
		prev             string // last non-blank line outside a fence
		cont             strings.Builder
		contLine         int
		lineNo           int
	)
	flush := func() {
		if cont.Len() > 0 {
			doc.Units = append(doc.Units, tourUnit{Block: doc.ShBlocks, Line: contLine, Cmd: cont.String()})
			cont.Reset()
		}
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if !in && strings.HasPrefix(line, "## ") {
			if inTour {
				break
			}
			inTour = strings.TrimSpace(line) == "## A tour"
			seen = seen || inTour
			continue
		}
		if !inTour {
			continue
		}
		trim := strings.TrimSpace(line)
		if !in {
			if strings.HasPrefix(trim, "```") {
				in = true
				info := strings.TrimSpace(strings.TrimPrefix(trim, "```"))
				switch {
				case info == "sh" && strings.HasPrefix(prev, "<!-- tour: skip"):
					fenceKind = "other"
					doc.Skipped++
				case info == "sh":
					fenceKind = "sh"
					doc.ShBlocks++
				case info == "" && prev == "<!-- tour: make-run-output -->":
					fenceKind = "ready"
				default:
					fenceKind = "other"
				}
				continue
			}
			if trim != "" {
				prev = trim
			}
			continue
		}
		if strings.HasPrefix(trim, "```") {
			if fenceKind == "sh" {
				if cont.Len() > 0 {
					return nil, fmt.Errorf("README line %d: block ends inside a continued command", lineNo)
				}
			}
			in, prev = false, ""
			continue
		}
		switch fenceKind {
		case "ready":
			doc.ReadyOut = append(doc.ReadyOut, line)
		case "sh":
			switch {
			case strings.HasPrefix(trim, "#>"):
				if cont.Len() > 0 {
					return nil, fmt.Errorf("README line %d: #> inside a continued command", lineNo)
				}
				if len(doc.Units) == 0 || doc.Units[len(doc.Units)-1].Block != doc.ShBlocks {
					return nil, fmt.Errorf("README line %d: #> before any command of its block", lineNo)
				}
				u := &doc.Units[len(doc.Units)-1]
				u.Expect = append(u.Expect, strings.TrimSpace(strings.TrimPrefix(trim, "#>")))
			case trim == "" || strings.HasPrefix(trim, "#"):
				if cont.Len() > 0 {
					return nil, fmt.Errorf("README line %d: comment inside a continued command", lineNo)
				}
			default:
				if cont.Len() == 0 {
					contLine = lineNo
				} else {
					cont.WriteByte('\n')
				}
				cont.WriteString(line)
				if !strings.HasSuffix(trim, `\`) {
					flush()
				}
			}
		}
	}
	if !seen {
		return nil, fmt.Errorf("README has no \"## A tour\" section")
	}
	if in {
		return nil, fmt.Errorf("README: unterminated code block in the tour")
	}
	return &doc, nil
}

var (
	digitsRe = regexp.MustCompile(`[0-9]+`)
	spacesRe = regexp.MustCompile(`\s+`)
)

// patternRe turns an expected line into a regexp: `…` (or "...") matches
// anything, a run of spaces any run of spaces; with anyNumber, every run of
// digits matches any run of digits.
func patternRe(p string, anyNumber bool) *regexp.Regexp {
	p = strings.ReplaceAll(strings.TrimSpace(p), "...", "…")
	var b strings.Builder
	for i, part := range strings.Split(p, "…") {
		if i > 0 {
			b.WriteString(".*")
		}
		q := regexp.QuoteMeta(part)
		q = spacesRe.ReplaceAllString(q, `\s+`)
		if anyNumber {
			q = digitsRe.ReplaceAllString(q, `[0-9]+`)
		}
		b.WriteString(q)
	}
	return regexp.MustCompile(b.String())
}

// matchInOrder checks that every pattern matches a line of out, in order,
// and returns the first pattern that does not.
func matchInOrder(out string, patterns []string, anyNumber bool) (string, bool) {
	lines := strings.Split(out, "\n")
	i := 0
	for _, p := range patterns {
		if strings.Trim(strings.TrimSpace(p), "….") == "" {
			continue // a line that only says "more lines here"
		}
		re := patternRe(p, anyNumber)
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			return p, false
		}
		i++
	}
	return "", true
}
