// Package rawio owns the quiet way sidecast moves bytes on its non-blocking
// sockets: read and write system calls made without announcing them to the
// Go runtime, and a TCP connection (Conn) that does all its reads and writes
// that way, for clients such as the Redis client that only take a net.Conn.
//
// Why: the runtime's announcement lets its monitor thread hand the
// processor of a thread stuck in a call to another thread. A call on a
// non-blocking socket never blocks, but the announcement still costs: the
// first one after the process was idle wakes the monitor, which then polls
// every 20 µs for a while; under load, a thread the kernel preempts inside
// the call looks blocked and loses its processor. A relay that goes idle
// and wakes thousands of times a second pays that on every wake-up.
package rawio
