package rawio

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Conn is a TCP connection whose Read and Write make quiet system calls and,
// when the socket has nothing to give or no room, wait in the runtime's
// poller like the plain connection would; the plain connection's deadlines
// bound those waits. It offers only net.Conn's methods, SyscallConn (for
// health checks that peek at the socket) and CloseWrite, so no copy
// shortcut of the plain connection (ReadFrom, WriteTo) bypasses it.
//
// Reads may run alongside writes; reads among themselves, and writes among
// themselves, take turns.
type Conn struct {
	tcp *net.TCPConn
	rc  syscall.RawConn

	rmu    sync.Mutex // one Read at a time; guards the read fields
	rbuf   []byte
	rn     int
	rerr   error
	readFn func(uintptr) bool // rawRead, bound once: a per-call closure would allocate

	wmu     sync.Mutex // one Write at a time; guards the write fields
	wbuf    []byte
	wn      int
	werr    error
	writeFn func(uintptr) bool
}

var (
	_ net.Conn     = (*Conn)(nil)
	_ syscall.Conn = (*Conn)(nil)
)

// Wrap makes c quiet. The returned Conn owns c.
func Wrap(c *net.TCPConn) (*Conn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	qc := &Conn{tcp: c, rc: rc}
	qc.readFn = qc.rawRead
	qc.writeFn = qc.rawWrite
	return qc, nil
}

func (c *Conn) Close() error                       { return c.tcp.Close() }
func (c *Conn) CloseWrite() error                  { return c.tcp.CloseWrite() }
func (c *Conn) LocalAddr() net.Addr                { return c.tcp.LocalAddr() }
func (c *Conn) RemoteAddr() net.Addr               { return c.tcp.RemoteAddr() }
func (c *Conn) SetDeadline(t time.Time) error      { return c.tcp.SetDeadline(t) }
func (c *Conn) SetReadDeadline(t time.Time) error  { return c.tcp.SetReadDeadline(t) }
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.tcp.SetWriteDeadline(t) }

// SyscallConn is the plain connection's.
func (c *Conn) SyscallConn() (syscall.RawConn, error) { return c.rc, nil }

// Read reads like net.Conn's Read: at least one byte, or io.EOF once the
// peer has shut its side, or an error (a timeout when a read deadline
// passed while it waited).
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.rbuf, c.rn, c.rerr = p, 0, nil
	err := c.rc.Read(c.readFn)
	c.rbuf = nil
	switch {
	case err != nil:
		return 0, err
	case c.rerr != nil:
		return 0, c.opError("read", c.rerr)
	case c.rn == 0:
		return 0, io.EOF
	}
	return c.rn, nil
}

// rawRead is Read's callback: false asks the runtime to wait until the
// socket is readable and call it again.
func (c *Conn) rawRead(fd uintptr) bool {
	n, wait, err := attempt(Read, int(fd), c.rbuf)
	if wait {
		return false
	}
	c.rn, c.rerr = n, err
	return true
}

// Write writes all of p, waiting for room as often as it must, unless an
// error (a timeout when a write deadline passed) stops it first.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf, c.wn, c.werr = p, 0, nil
	err := c.rc.Write(c.writeFn)
	n := c.wn
	c.wbuf = nil
	switch {
	case err != nil:
		return n, err
	case c.werr != nil:
		return n, c.opError("write", c.werr)
	}
	return n, nil
}

// rawWrite is Write's callback: it writes what the socket takes, and
// returns false to wait for room while some of p is left.
func (c *Conn) rawWrite(fd uintptr) bool {
	for c.wn < len(c.wbuf) {
		n, wait, err := attempt(Write, int(fd), c.wbuf[c.wn:])
		switch {
		case wait:
			return false
		case err != nil:
			c.werr = err
			return true
		}
		c.wn += n
	}
	return true
}

// attempt makes one quiet call, again when a signal interrupted it; wait
// says the socket had nothing to give or no room. call is Read or Write,
// a function value and not a closure, so nothing is allocated.
func attempt(call func(int, []byte) (int, error), fd int, p []byte) (n int, wait bool, err error) {
	for {
		n, err = call(fd, p)
		switch err {
		case nil:
			return n, false, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, true, nil
		}
		return 0, false, err
	}
}

// opError dresses a failed system call as the plain connection would, so
// callers that look at net.Error or the errno see the same. The runtime's
// own errors (a deadline, a closed connection) come from the RawConn
// already dressed.
func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError(op, err)}
}
