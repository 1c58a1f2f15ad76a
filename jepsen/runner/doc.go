// Package runner drives one jepsen scenario: it builds the test network
// (netns or loopback), starts a Cluster, runs workload clients concurrently
// while nemeses are invoked and healed on a seeded timeline, then heals
// everything, waits a quiet period, runs final reads and the checkers, and
// writes the history, nemesis log, checker results and a reproduction line
// to a results dir.
//
// The product-specific parts are plugged in: a ClusterFactory (ProcessCluster
// starts real `datamon node` processes, or any stand-in binary taking the
// same flags) and Workloads built from small client interfaces
// (RegisterClient, ObjectClient) that the lead implements over the product
// client API and the S3 gateway.
package runner
