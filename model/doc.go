// Package model holds datamon's domain types — contexts, repos, bundles,
// labels, access keys — their validation rules, and the domain errors every
// layer shares (not found, already exists, invalid, precondition failed).
//
// It imports nothing of ours except the chunk ID type. Values are plain data;
// validation functions are pure.
package model
