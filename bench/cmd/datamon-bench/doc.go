// Command datamon-bench runs the datamon benchmark suite: ceilings of this
// machine, peers (restic, etcd, MinIO) and the product's figures, in one run,
// and writes bench/results/<UTC stamp>.json and .md with charts.
//
//	go run ./bench/cmd/datamon-bench -profile quick|full [-out bench/results]
//	    [-only NAME[,NAME]] [-skip-peers] [-nodes 3] [-sites 3] [-ec K+M]
//	    [-config client.yaml | -endpoints URL[,URL]] [-list]
//
// Environment: DATAMON_BIN (the datamon binary for the local cluster),
// MINIO_BIN (enables the MinIO peer), DATAMON_ACCESS_KEY / DATAMON_SECRET_KEY
// (with -endpoints).
package main
