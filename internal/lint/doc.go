// Package lint holds tests that enforce the house rules of the module: the
// import DAG (leaf packages import nothing of ours, the node build never pulls
// in cgo FUSE), a doc comment on every package, and no grab-bag package names.
// Rules live here as tests, not in review.
package lint
