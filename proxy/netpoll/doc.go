// Package netpoll tells a bounded pool of workers which connections are ready,
// so that an idle connection costs no goroutine.
//
// Data flow: a caller registers a connection with Add and an interest (read,
// write or both), and changes the interest with Arm. When the connection
// becomes ready the poller hands it to one worker, which calls the
// connection's Handler.Ready. Readiness is reported once per change (epoll's
// edge-triggered mode), so serving a connection costs no system call beyond
// its own reads and writes: the handler reads until the socket is empty and
// writes until it is full, keeps write interest only while it has bytes
// queued, and returns what it left on purpose (see Handler).
//
// One worker at a time: each registration has a state word. The waiter ORs
// every reported event into it, and only an event that finds it idle queues
// the registration for a worker; an event that arrives while a worker serves
// it makes that worker call Ready again before it lets go. So no edge is
// lost and no registration is served twice at once.
//
// Goroutines: on Linux the Poller owns one goroutine waiting for epoll and
// Config.Workers worker goroutines. The waiter takes events with a
// non-blocking epoll_wait and, when there are none, parks in the Go runtime's
// own poller on the epoll descriptor: a goroutine blocked in a system call
// would keep an OS thread and make the runtime hand its processor to another
// thread at every wait. The waiter hands each ready connection of
// a burst to the workers but serves the last one itself, which spares the
// common single-event wake-up a goroutine hand-off. Config.OnIdle runs when
// the last event of a burst is served. Close wakes the waiter through an
// eventfd, closes the work queue and waits for all of them. Registrations park
// no goroutine. The descriptor table is indexed by fd and every registration
// gets a generation number that travels in the epoll event, so an event or an
// Arm meant for a closed connection can never reach a new connection that
// reused its fd.
//
// Elsewhere on Unix (or on Linux with the build tag sidecast_portable, which is
// how the fallback is tested) each registration owns two goroutines, one per
// direction, that wait for readiness through the Go runtime's poller on a
// duplicate descriptor, level-triggered; it is correct but costs two
// goroutines and one descriptor per connection. Windows is not supported.
package netpoll
