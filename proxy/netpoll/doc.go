// Package netpoll tells a bounded pool of workers which connections are ready,
// so that an idle connection costs no goroutine.
//
// Data flow: a caller registers a connection with Add and an interest (read,
// write or both). Registrations are one-shot: when the connection becomes ready
// the poller hands it to exactly one worker, which calls the connection's
// Handler.Ready, and the connection reports nothing more until its owner calls
// Arm again. So one connection is served by one worker at a time, and a handler
// re-arms when it is done (usually with EventRead, plus EventWrite while it has
// bytes queued).
//
// Goroutines: on Linux the Poller owns one goroutine blocked in epoll_wait and
// Config.Workers worker goroutines; Close wakes the waiter through an eventfd,
// closes the work queue and waits for all of them. Registrations park no
// goroutine. The descriptor table is indexed by fd and every registration gets a
// generation number that travels in the epoll event, so an event or an Arm meant
// for a closed connection can never reach a new connection that reused its fd.
//
// Elsewhere on Unix (or on Linux with the build tag sidecast_portable, which is
// how the fallback is tested) each registration owns two goroutines, one per
// direction, that wait for readiness through the Go runtime's poller on a
// duplicate descriptor; it is correct but costs two goroutines and one
// descriptor per connection. Windows is not supported.
package netpoll
