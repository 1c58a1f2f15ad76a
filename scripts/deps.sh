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
  [git-lfs]=git-lfs  # e2e: the Git LFS backend against the real client
  [fusermount3]=fuse3
  [aws]=awscli
  [s3cmd]=s3cmd
  [rclone]=rclone
  [curl]=curl
  [nft]=nftables     # jepsen partitions
  [ip]=iproute2      # jepsen network namespaces
  [promtool]=prometheus  # e2e: promtool check metrics on the /metrics scrape
  [stress-ng]=stress-ng  # e2e: CPU contention while the Raft term must hold
)
for c in "${!pkgs[@]}"; do
  have_cmd "$c" || need+=("${pkgs[$c]}")
done
# gateway client tests: aws cli v2 from Debian (a pyenv/pip "aws" may be v1) and boto3
[ -x /usr/bin/aws ] || need+=(awscli)
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || need+=(python3-boto3)
# the Python package's tests and notebook (e2e TestPython): Debian's pytest, pandas, fsspec, nbconvert
for m in pytest:python3-pytest pandas:python3-pandas fsspec:python3-fsspec \
  nbconvert:jupyter-nbconvert nbclient:python3-nbclient ipykernel:python3-ipykernel \
  build:python3-build setuptools:python3-setuptools wheel:python3-wheel mypy:python3-mypy; do
  /usr/bin/python3 -c "import ${m%%:*}" >/dev/null 2>&1 || need+=("${m#*:}")
done
# header -> Debian package (FUSE builds: make build uses -tags fuse3)
[ -f /usr/include/fuse3/fuse.h ] || need+=(libfuse3-dev)

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
