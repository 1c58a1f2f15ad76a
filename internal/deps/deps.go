//go:build tools

// Package deps pins module dependencies until the packages that use them land.
package deps

import (
	_ "github.com/anishathalye/porcupine"
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/cockroachdb/pebble/v2/vfs"
	_ "github.com/hashicorp/memberlist"
	_ "github.com/hashicorp/raft"
	_ "github.com/jotfs/fastcdc-go"
	_ "github.com/klauspost/reedsolomon"
	_ "github.com/spf13/cobra"
	_ "github.com/valyala/fasthttp"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
	_ "lukechampine.com/blake3"
)
