#!/usr/bin/env bash
# Runs minio-go's own functional test program (functional_tests.go from the
# minio-go v7 module) against the gateway over the in-memory backend.
# Usage: gateway/testdata/minio-functional.sh [minio-go version]
# Prints PASS / FAIL / NA counts; exits 1 when any test FAILs.
set -euo pipefail
ver=${1:-v7.4.1}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill $gwpid 2>/dev/null || true; rm -rf "$work"' EXIT
gwpid=

cd "$root"
go build -o "$work/memgw" ./gateway/cmd/memgw

moddir=$(go mod download -json "github.com/minio/minio-go/v7@$ver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
mkdir -p "$work/ft"
cp "$moddir/functional_tests.go" "$work/ft/main.go"
chmod u+w "$work/ft/main.go"
sed -i "/^\/\/go:build mint/d; /^\/\/ +build mint/d" "$work/ft/main.go"  # the tag would also select it inside the minio-go package
cd "$work/ft"
go mod init minio-functional >/dev/null 2>&1
go get "github.com/minio/minio-go/v7@$ver" >/dev/null 2>&1
go mod tidy >/dev/null 2>&1   # scratch module only, never the repository's
go build -o "$work/functional" .

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/memgw" -addr "127.0.0.1:$port" -access-key minioadmin -secret-key minioadmin 2>"$work/memgw.log" &
gwpid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

cd "$work"
SERVER_ENDPOINT=127.0.0.1:$port ACCESS_KEY=minioadmin SECRET_KEY=minioadmin ENABLE_HTTPS=0 \
  MINT_MODE=full ENABLE_KMS=0 RUN_ON_FAIL=1 MINT_DATA_DIR= \
  timeout 900 ./functional >"$work/out.log" 2>&1 || true
[ -n "${KEEP_LOG:-}" ] && cp "$work/out.log" "$KEEP_LOG" && cp "$work/memgw.log" "$KEEP_LOG.memgw"

pass=$(grep -c '"status":"PASS"' out.log || true)
fail=$(grep -c '"status":"FAIL"' out.log || true)
na=$(grep -c '"status":"NA"' out.log || true)
grep '"status":"FAIL"' out.log | head -40 || true
[ -n "${VERBOSE:-}" ] && grep '"status":"NA"' out.log | head -40
echo "minio-go $ver functional tests: PASS=$pass FAIL=$fail NA=$na"
[ "$fail" = 0 ]
