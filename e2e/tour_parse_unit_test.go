package e2e

import "testing"

func TestParseTour(t *testing.T) {
	readme := "# x\n```sh\nnot in the tour\n```\n## A tour\n" +
		"<!-- tour: make-run-output -->\n```\nready: 3 nodes\n```\n" +
		"```sh\necho a \\\n  b   # comment\n#> a b\n# plain comment\necho c\n```\n" +
		"<!-- tour: skip (needs 4 nodes) -->\n```sh\nexit 1\n```\n" +
		"```yaml\nk: v\n```\n## Next\n```sh\nexit 1\n```\n"
	doc, err := parseTour(readme)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Units) != 2 || doc.Units[0].Cmd != "echo a \\\n  b   # comment" || doc.Units[1].Cmd != "echo c" {
		t.Fatalf("units = %+v", doc.Units)
	}
	if len(doc.Units[0].Expect) != 1 || doc.Units[0].Expect[0] != "a b" || doc.Units[1].Expect != nil {
		t.Fatalf("expectations = %+v", doc.Units)
	}
	if doc.Skipped != 1 || doc.ShBlocks != 1 || len(doc.ReadyOut) != 1 {
		t.Fatalf("skipped %d, blocks %d, ready %q", doc.Skipped, doc.ShBlocks, doc.ReadyOut)
	}
	for _, bad := range []string{"## A tour\n```sh\necho \\\n```\n", "## A tour\n```sh\n#> x\n```\n", "## A tour\n```sh\necho\n", "no tour"} {
		if _, err := parseTour(bad); err == nil {
			t.Errorf("parseTour(%q) accepted", bad)
		}
	}
}

func TestMatchInOrder(t *testing.T) {
	out := "datamon local cluster is ready: 3 nodes\n  node1  site1  4102   http://127.0.0.1:27003\nsecret key: abc\n"
	if p, ok := matchInOrder(out, []string{"ready: 3 nodes", "…", "node1 site1 41022 http://127.0.0.1:17003", "secret key: …"}, true); !ok {
		t.Fatalf("no match for %q", p)
	}
	if _, ok := matchInOrder(out, []string{"secret key: …", "ready: 3 nodes"}, true); ok {
		t.Fatal("out-of-order lines matched")
	}
	if _, ok := matchInOrder(out, []string{"node1 site1 41022"}, false); ok {
		t.Fatal("a different number matched without anyNumber")
	}
	if _, ok := matchInOrder(out, []string{"ready: 4 nodes"}, false); ok {
		t.Fatal("wrong text matched")
	}
}
