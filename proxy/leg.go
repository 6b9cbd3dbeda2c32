package proxy

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"

	"github.com/sidecast/sidecast/internal/rawio"
	"github.com/sidecast/sidecast/proxy/netpoll"
	"github.com/sidecast/sidecast/proxy/wsframe"
)

// side names which end of a session a leg is.
type side uint8

const (
	clientSide   side = iota // the client's connection; we are its server
	upstreamSide             // the backend connection; we are its client
)

// maxReadsPerReady bounds the reads one readiness event may do, so one busy
// connection cannot hold a worker: Ready hands the rest back to the poller,
// which reports it again behind the connections already waiting.
const maxReadsPerReady = 8

// scratchPool holds the read buffers workers borrow while serving a leg, so an
// idle leg holds no read buffer.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// legOwner is what a leg reports to: the WebSocket session that holds it, or
// an Engine.IO session (which gives each of its legs its own small owner).
type legOwner interface {
	server() *Server
	onLost(l *wsLeg)
	onReadError(l *wsLeg, err error)
	count(sd side, n int)
	onCloseFrame(l *wsLeg, code ws.StatusCode, reason string)
	legClosed()
}

// wsLeg is one WebSocket connection of a session, registered in the poller. It
// is a netpoll.Handler (its socket is ready), a wsframe.Handler (a message or a
// control frame arrived) and a messageSink (the other side has a message for
// it).
type wsLeg struct {
	s      legOwner
	srv    *Server
	side   side
	conn   net.Conn
	rc     syscall.RawConn
	masked bool        // frames we send are masked: we are the client on this leg
	peer   messageSink // where this leg's messages go

	// Bound once so a raw read or write allocates no closure.
	readFn, writeFn func(uintptr) bool

	rmu        sync.Mutex // held while serving a readiness event; guards the fields below
	dec        wsframe.Decoder
	misaligned bool // a decode error stopped the decoder mid-stream: later bytes are not frames
	rbuf       []byte
	rn         int
	rerr       error

	wmu        sync.Mutex // guards the write state below
	key        netpoll.Key
	registered bool
	out        *bytebufferpool.ByteBuffer // queued frames, nil when empty
	off        int                        // bytes of out already written
	wsrc       []byte
	wn         int
	werr       error
	wantOut    bool          // armed for writability
	armed      netpoll.Event // the interest last given to the poller
	closing    bool          // close frame queued: close the socket once it is flushed
	draining   bool          // close frame flushed, write side shut: reading until the peer's close or EOF
	peerClosed bool          // the peer's close frame arrived: the closing handshake needs no wait
	closed     bool
	timer      *time.Timer // forces the close if flushing takes too long
}

func newLeg(s legOwner, sd side, conn net.Conn) (*wsLeg, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, netpoll.ErrNoFD
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	l := &wsLeg{s: s, srv: s.server(), side: sd, conn: conn, rc: rc, masked: sd == upstreamSide}
	l.dec.FromClient = sd == clientSide
	l.dec.MaxPayload = l.srv.cfg.MaxPayload
	l.readFn = l.rawRead
	l.writeFn = l.rawWrite
	return l, nil
}

func (l *wsLeg) rawRead(fd uintptr) bool {
	l.rn, l.rerr = rawio.Read(int(fd), l.rbuf)
	return true
}

func (l *wsLeg) rawWrite(fd uintptr) bool {
	l.wn, l.werr = rawio.Write(int(fd), l.wsrc)
	return true
}

// register adds the leg to the poller and relays bytes that were read ahead
// during the handshake. Holding rmu keeps a readiness event from overtaking
// them.
func (l *wsLeg) register(buffered []byte) error {
	l.rmu.Lock()
	defer l.rmu.Unlock()
	k, err := l.srv.poller.Add(l.conn.(syscall.Conn), netpoll.EventRead, l)
	if err != nil {
		return err
	}
	l.wmu.Lock()
	l.key, l.registered, l.armed = k, true, netpoll.EventRead
	l.wmu.Unlock()
	if len(buffered) > 0 && !l.consume(buffered) {
		return nil
	}
	l.rearm()
	return nil
}

// Ready serves one readiness event. The poller reports readiness once per
// change, so it reads until the socket is empty, or returns EventRead when it
// stopped before that.
func (l *wsLeg) Ready(ev netpoll.Event) netpoll.Event {
	l.rmu.Lock()
	defer l.rmu.Unlock()
	if l.isDraining() {
		return l.drainReady()
	}
	if ev&netpoll.EventWrite != 0 {
		if err := l.Flush(); err != nil {
			l.s.onLost(l)
			return 0
		}
	}
	var unserved netpoll.Event
	switch {
	case ev&netpoll.EventRead == 0:
	case l.isClosing():
		// A closing leg reads nothing until its close frame is out; if it
		// started draining since the check above, the input must not wait
		// for an edge that already passed.
		unserved = netpoll.EventRead
	default:
		var ok bool
		if unserved, ok = l.readReady(ev); !ok {
			return 0
		}
	}
	if err := l.settle(); err != nil {
		l.s.onLost(l)
		return 0
	}
	return unserved
}

// settle writes what the leg queued for itself while reading (pongs: no
// other flush covers them, and a socket that stayed writable gives no new
// edge), then tells the poller which events the leg wants now.
func (l *wsLeg) settle() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.out != nil && !l.wantOut && !l.closed {
		if err := l.flushLocked(); err != nil {
			return err
		}
	}
	l.armLocked()
	return nil
}

// readReady reads what the socket holds and relays it; false means the
// session is ending.
func (l *wsLeg) readReady(ev netpoll.Event) (netpoll.Event, bool) {
	bp := scratchPool.Get().(*[]byte)
	l.rbuf = *bp
	unserved, ok := l.readLoop(ev)
	l.rbuf = nil
	scratchPool.Put(bp)
	return unserved, ok
}

// readLoop reads until EAGAIN or a short read; a short read proves the
// socket empty unless the peer hung up, when its EOF may follow the data.
func (l *wsLeg) readLoop(ev netpoll.Event) (netpoll.Event, bool) {
	for range maxReadsPerReady {
		if err := l.rc.Read(l.readFn); err != nil {
			l.s.onLost(l)
			return 0, false
		}
		n, err := l.rn, l.rerr
		if n > 0 && !l.consume(l.rbuf[:n]) {
			return 0, false
		}
		switch {
		case err == unix.EAGAIN:
			return 0, true
		case err == unix.EINTR:
		case err != nil || n <= 0:
			l.s.onLost(l)
			return 0, false
		case n < len(l.rbuf) && ev&netpoll.EventHup == 0:
			return 0, true
		}
	}
	return netpoll.EventRead, true
}

// consume decodes p, relays its messages and flushes them to the peer.
func (l *wsLeg) consume(p []byte) bool {
	if err := l.dec.Feed(p, l); err != nil {
		l.misaligned = !errors.Is(err, errStop)
		l.s.onReadError(l, err)
		return false
	}
	if err := l.peer.Flush(); err != nil {
		l.s.onReadError(l, err)
		return false
	}
	return true
}

// OnMessage relays a whole message to the other side.
func (l *wsLeg) OnMessage(op ws.OpCode, p []byte) error {
	l.s.count(l.side, len(p))
	return l.peer.WriteMessage(op, p)
}

// OnControl answers pings itself and turns a close frame into the session's
// close.
func (l *wsLeg) OnControl(op ws.OpCode, p []byte) error {
	switch op {
	case ws.OpPing:
		if err := l.WriteMessage(ws.OpPong, p); errors.Is(err, ErrQueueFull) {
			return errOwnQueueFull // this leg's own peer is the slow one
		} else if err != nil {
			return err
		}
		return nil
	case ws.OpClose:
		l.wmu.Lock()
		l.peerClosed = true
		l.wmu.Unlock()
		code, reason := wsframe.ParseClose(p)
		l.s.onCloseFrame(l, code, string(reason))
		return errStop
	}
	return nil
}

// drainReady discards what a lingering leg's peer still sends and closes the
// socket at its EOF.
func (l *wsLeg) drainReady() netpoll.Event {
	bp := scratchPool.Get().(*[]byte)
	l.rbuf = *bp
	eof, unserved := l.discard()
	l.rbuf = nil
	scratchPool.Put(bp)
	if eof {
		l.forceClose()
		return 0
	}
	l.rearm()
	return unserved
}

// discard reads until EAGAIN, dropping messages; eof means the peer is done:
// its close frame arrived, or EOF, or an error.
func (l *wsLeg) discard() (eof bool, unserved netpoll.Event) {
	for range maxReadsPerReady {
		if err := l.rc.Read(l.readFn); err != nil {
			return true, 0
		}
		if l.rn > 0 && l.closeFrameIn(l.rbuf[:l.rn]) {
			return true, 0
		}
		switch {
		case l.rerr == unix.EAGAIN:
			return false, 0
		case l.rerr == unix.EINTR:
		case l.rerr != nil || l.rn <= 0:
			return true, 0
		}
	}
	return false, netpoll.EventRead
}

// closeFrameIn reports whether p holds the peer's close frame. Once the
// stream is misaligned nothing in it can be trusted as a frame: only EOF ends
// the wait then.
func (l *wsLeg) closeFrameIn(p []byte) bool {
	if l.misaligned {
		return false
	}
	err := l.dec.Feed(p, discardHandler{})
	if err != nil && !errors.Is(err, errStop) {
		l.misaligned = true
		return false
	}
	return err != nil
}

// discardHandler drops what a lingering leg still receives and stops at the
// peer's close frame.
type discardHandler struct{}

func (discardHandler) OnMessage(ws.OpCode, []byte) error { return nil }

func (discardHandler) OnControl(op ws.OpCode, _ []byte) error {
	if op == ws.OpClose {
		return errStop
	}
	return nil
}

func (l *wsLeg) isDraining() bool {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	return l.draining && !l.closed
}

func (l *wsLeg) isClosing() bool {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	return l.closing || l.closed
}

// rearm tells the poller which events this leg wants now; that costs a
// system call only when they changed (write interest comes and goes with a
// queue the socket would not take at once).
func (l *wsLeg) rearm() {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.armLocked()
}

// armLocked skips the poller when the interest is what the leg last gave
// it: every Ready ends here, and most change nothing.
func (l *wsLeg) armLocked() {
	if l.closed || !l.registered {
		return
	}
	ev := l.interestLocked()
	if ev == l.armed {
		return
	}
	if l.srv.poller.Arm(l.key, ev) == nil {
		l.armed = ev
	}
}

// interestLocked: read unless closing (a closing leg ignores what it is sent)
// or while draining (waiting for the peer's EOF), write while bytes are queued.
func (l *wsLeg) interestLocked() netpoll.Event {
	var ev netpoll.Event
	if !l.closing || l.draining {
		ev |= netpoll.EventRead
	}
	if l.out != nil && l.off < len(l.out.B) {
		ev |= netpoll.EventWrite
	}
	return ev
}
