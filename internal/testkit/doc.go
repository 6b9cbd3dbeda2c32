// Package testkit holds the helpers that tests of several packages share:
// free ports and loopback listeners, polling a condition with a deadline
// (and for every goroutine started to have ended),
// waiting for a port, building the sidecast binary and running it (or any
// other process) with its output captured. It is imported by tests and by
// the other test-support packages (internal/redistest, internal/siotest,
// internal/difftest) only, never by product code.
//
// Every helper that starts something registers its stop with t.Cleanup, so
// the test that called it owns what it started and nothing outlives it.
package testkit
