package netpoll

import "runtime"

// Event is a set of readiness conditions.
type Event uint32

// Readiness conditions. EventHup means the peer hung up or the socket has an
// error; a handler learns which by reading or writing.
const (
	EventRead Event = 1 << iota
	EventWrite
	EventHup
)

// Handler is called by a worker when its connection is ready. It must not block
// on the network: it reads and writes until EAGAIN, then re-arms.
type Handler interface {
	Ready(ev Event)
}

// Key names one registration.
type Key struct {
	fd  int32
	gen uint32
}

// Config tunes a Poller. The zero value is useful.
type Config struct {
	// Workers is the number of goroutines serving ready connections; 0 means
	// max(4, GOMAXPROCS).
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

// work is one ready connection on its way to a worker.
type work struct {
	h  Handler
	ev Event
}
