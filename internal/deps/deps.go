//go:build tools

// Package deps pins module dependencies until the packages that use them land.
package deps
import (
 _ "github.com/cockroachdb/pebble/v2"
 _ "github.com/cockroachdb/pebble/v2/vfs"
 _ "github.com/hashicorp/memberlist"
 _ "github.com/hashicorp/raft"
 _ "github.com/klauspost/reedsolomon"
 _ "github.com/valyala/fasthttp"
 _ "lukechampine.com/blake3"
 _ "github.com/jotfs/fastcdc-go"
 _ "github.com/spf13/cobra"
 _ "gopkg.in/yaml.v3"
 _ "github.com/anishathalye/porcupine"
 _ "golang.org/x/time/rate"
)
