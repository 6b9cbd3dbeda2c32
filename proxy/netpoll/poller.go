package netpoll

import "runtime"

// Event is a set of readiness conditions.
type Event uint32

// Readiness conditions. EventHup means the peer hung up (at least for its
// writing side) or the socket has an error; a handler learns which by reading
// or writing. It comes with EventRead, and with EventWrite for an error.
const (
	EventRead Event = 1 << iota
	EventWrite
	EventHup
)

// Handler is called by a worker when its connection became ready. It must not
// block on the network.
//
// Readiness is reported once per change, not while it lasts, so Ready must
// use up what it was told: read until EAGAIN, or until a read returns fewer
// bytes than asked (on a stream socket that proves the receive queue was
// empty; not when ev has EventHup, where the end of the stream may sit behind
// the data), and write until EAGAIN or nothing is left. A handler that stops
// early on purpose, so that one busy connection cannot hold a worker, returns
// the conditions it left unserved; the poller reports them again once they
// still hold, behind the connections already waiting. Otherwise it returns 0.
type Handler interface {
	Ready(ev Event) (unserved Event)
}

// Key names one registration.
type Key struct {
	fd  int32
	gen uint32
}

// Config tunes a Poller. The zero value is useful.
type Config struct {
	// Workers is the number of goroutines serving ready connections; 0 means
	// max(4, GOMAXPROCS). On Linux the goroutine waiting for readiness
	// serves the last connection of each burst too, so up to Workers+1
	// handlers run at once.
	Workers int
	// QueueSize bounds the ready connections waiting for a worker; 0 means 64
	// per worker. The waiter blocks while the queue is full.
	QueueSize int
	// OnIdle, when set, is called by the worker that finishes the last
	// ready connection of a burst: nothing is queued or being served. Work
	// that is worth batching across connections (one bus message for frames
	// several connections read at once) is flushed there instead of on a
	// timer. It runs on a worker and must not block.
	OnIdle func()
	// OnServed, when set, is called after each ready connection served
	// while others of the burst are still queued or being served: on a
	// node that is never idle, the place where batched work that has
	// waited long enough leaves. It runs on a worker, often, and must be
	// cheap and not block.
	OnServed func()
	// Linger, when set and true as the waiter is about to go idle, makes it
	// poll epoll once more without blocking first: a peer that writes one
	// message to many sockets (a broadcast) wakes the waiter at the first,
	// and the rest, ready a few microseconds later, then join the same
	// burst instead of starting the next. It costs one epoll_wait, so it
	// should say whether OnIdle has anything to flush.
	Linger func() bool
}

func (c Config) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return max(4, runtime.GOMAXPROCS(0))
}

func (c Config) queueSize() int {
	if c.QueueSize > 0 {
		return c.QueueSize
	}
	return 64 * c.workers()
}
