// Package redistest starts real redis-server processes for tests: plain,
// with requirepass, with ACL users, with TLS (test-generated certificates)
// and mutual TLS. Each server listens on a free loopback port chosen at
// start — never 6379, so a Redis already running on the machine is never
// touched — keeps its files in the test's temporary directory, and is
// killed by t.Cleanup. Kill and Restart (same port, same configuration)
// drive failure tests.
//
// StartCluster builds a real Redis Cluster from such servers (three masters
// with one replica each by default, each with its own cluster bus port),
// joins them with `redis-cli --cluster create`, and waits until every node
// reports cluster_state:ok and every replica is in sync. Failover kills a
// master and promotes its replica (CLUSTER FAILOVER TAKEOVER); Stats reads
// INFO commandstats and network bytes per node, for cost measurements.
//
// Ownership: the test goroutine that calls Start owns the process; Kill,
// Restart and cleanup run on it. A reaper goroutine per process waits for
// its exit and is itself waited for by Kill.
//
// A missing redis-server (or, for a cluster, redis-cli) binary fails the test with a message saying what
// to install; it never skips.
package redistest
