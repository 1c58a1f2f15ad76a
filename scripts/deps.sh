#!/usr/bin/env bash
# Installs what `make run` / `make test` need on a Debian machine: Debian
# packages via apt-get when running as root, Go modules via the module proxy.
# Idempotent and quick when everything is present.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
# command -> Debian package
declare -A pkgs=(
  [git]=git
)
for c in "${!pkgs[@]}"; do
  have_cmd "$c" || need+=("${pkgs[$c]}")
done

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && have_cmd apt-get; then
    echo "deps: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "deps: missing ${need[*]} (run as root, or install them yourself)" >&2
  fi
fi

if ! have_cmd go; then
  if [ -x /usr/local/go/bin/go ]; then export PATH=$PATH:/usr/local/go/bin; else echo "deps: Go toolchain not found" >&2; exit 1; fi
fi
go mod download
