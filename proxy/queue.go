package proxy

import (
	"time"

	"github.com/gobwas/ws"
	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// flushThreshold makes a writer push bytes out before a batch ends, so a burst
// does not sit in memory until the reader's event is over.
const flushThreshold = 32 << 10

// WriteMessage queues one message as a single frame. It returns ErrQueueFull
// when the bounded queue would overflow and ErrClosed once the leg closes.
func (l *wsLeg) WriteMessage(op ws.OpCode, p []byte) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closing || l.closed {
		return ErrClosed
	}
	if l.queuedLocked()+wsframe.HeaderSize(len(p), l.masked)+len(p) > l.srv.cfg.WriteQueueBytes {
		return ErrQueueFull
	}
	l.compactLocked()
	l.bufLocked().B = wsframe.AppendFrame(l.out.B, op, true, p, l.masked)
	if l.queuedLocked() >= flushThreshold {
		return l.flushLocked()
	}
	return nil
}

// Flush writes queued bytes until the socket would block.
func (l *wsLeg) Flush() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closed {
		return nil
	}
	return l.flushLocked()
}

func (l *wsLeg) queuedLocked() int {
	if l.out == nil {
		return 0
	}
	return len(l.out.B) - l.off
}

// compactLocked moves the unwritten bytes to the front once the written
// prefix is at least half the buffer. Without it a queue that never fully
// drains (a peer reading slowly but steadily) would keep every byte ever sent:
// the limit bounds what is queued, compaction bounds the buffer to about twice
// that.
func (l *wsLeg) compactLocked() {
	if l.out == nil || l.off == 0 || l.off < len(l.out.B)/2 {
		return
	}
	n := copy(l.out.B, l.out.B[l.off:])
	l.out.B, l.off = l.out.B[:n], 0
}

func (l *wsLeg) bufLocked() *bytebufferpool.ByteBuffer {
	if l.out == nil {
		l.out = bytebufferpool.Get()
		l.out.B, l.off = l.out.B[:0], 0
	}
	return l.out
}

// flushLocked writes without blocking. On EAGAIN it arms the leg for
// writability; once the queue is empty the buffer goes back to its pool, and a
// closing leg closes its socket.
func (l *wsLeg) flushLocked() error {
	for l.out != nil && l.off < len(l.out.B) {
		l.wsrc = l.out.B[l.off:]
		err := l.rc.Write(l.writeFn)
		l.wsrc = nil
		if err != nil || (l.werr != nil && l.werr != unix.EAGAIN && l.werr != unix.EINTR) {
			l.shutdownLocked()
			return ErrLegBroken
		}
		if l.werr == unix.EAGAIN {
			l.waitWritableLocked()
			return nil
		}
		l.off += max(l.wn, 0)
	}
	if l.out != nil {
		bytebufferpool.Put(l.out)
		l.out, l.off = nil, 0
	}
	wasOut := l.wantOut
	l.wantOut = false
	switch {
	case l.closing:
		l.lingerLocked() // sets the interest of a draining leg
	case wasOut:
		// Drop write interest now: kept, it would wake this leg for nothing.
		l.armLocked()
	}
	return nil
}

// lingerLocked ends a leg whose close frame is flushed. If the peer's close
// already arrived the handshake is complete and the socket closes now.
// Otherwise it half-closes the socket (the FIN follows the close frame) and
// keeps reading, discarding, until the peer's close frame or EOF, or until
// Config.CloseGrace passes. Closing a socket that still
// has unread input would send a reset instead, and a reset can destroy the
// close frame before the peer reads it: a client still sending when it is
// closed would see 1006 instead of its close code.
func (l *wsLeg) lingerLocked() {
	if l.draining || l.closed {
		return
	}
	if !l.registered || l.peerClosed {
		l.shutdownLocked() // the closing handshake is complete
		return
	}
	l.draining = true
	_ = l.rc.Control(func(fd uintptr) { _ = unix.Shutdown(int(fd), unix.SHUT_WR) })
	if l.timer == nil {
		l.timer = time.AfterFunc(l.srv.cfg.CloseGrace, l.forceClose)
	}
	l.armLocked()
}

func (l *wsLeg) waitWritableLocked() {
	if !l.wantOut {
		l.wantOut = true
		l.armLocked()
	}
}

// closeWith queues a close frame (code 0: none, the socket is dead; 1005: an
// empty close body) and closes the socket once it is flushed and the peer has
// closed its side (see lingerLocked), or after Config.CloseGrace at the latest.
func (l *wsLeg) closeWith(code ws.StatusCode, reason string) {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closing || l.closed {
		return
	}
	l.closing = true
	if code != 0 {
		if code == ws.StatusNoStatusRcvd {
			code = 0
		}
		l.bufLocked().B = wsframe.AppendClose(l.out.B, code, reason, l.masked)
	}
	if l.flushLocked() != nil || l.closed || l.timer != nil {
		return
	}
	l.timer = time.AfterFunc(l.srv.cfg.CloseGrace, l.forceClose)
}

// forceClose closes the socket now, whatever is queued.
func (l *wsLeg) forceClose() {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.shutdownLocked()
}

func (l *wsLeg) shutdownLocked() {
	if l.closed {
		return
	}
	l.closed, l.closing = true, true
	if l.registered {
		_ = l.srv.poller.Remove(l.key)
	}
	_ = l.conn.Close()
	if l.out != nil {
		bytebufferpool.Put(l.out)
		l.out, l.off = nil, 0
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	l.s.legClosed()
}
