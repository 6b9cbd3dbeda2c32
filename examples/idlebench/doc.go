// Command idlebench measures what an idle proxied WebSocket session costs.
//
// It opens many idle sessions through a proxy and reports, for the proxy
// process alone, how many goroutines it runs and how much resident memory
// each session adds. It measures two proxies, each in its own run:
//
//   - sidecast: the real proxy package (epoll readiness, no goroutine per
//     idle session);
//   - naive: the baseline most hand-written proxies are, a goroutine per
//     direction per session, built here so both run on the same machine in
//     the same conditions.
//
// Clients, proxy and backend run in separate processes (this binary
// re-executes itself with -role), so each process's RSS is its own. The
// orchestrating process ("-role run") starts them, waits until the backend
// holds every session, asks the proxy for a garbage collection, reads its
// VmRSS from /proc and prints one table line per proxy.
//
//	go run ./examples/idlebench -n 9000
//
// A proxied session holds two descriptors in the proxy (client and backend
// legs), so with 20,000 open files per process 9,000 sessions is about the
// most one proxy process can hold.
//
// mirrors.sh repeats the measurement with mirror sessions on: two sidecast
// binaries over one Redis, each in front of an idlebench backend (this
// binary's backend role), half of the idle clients (its clients role)
// through each, so every node holds local sessions and the other node's
// mirrors.
package main
