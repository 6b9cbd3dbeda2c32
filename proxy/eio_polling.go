package proxy

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/bytebufferpool"

	"github.com/sidecast/sidecast/proxy/engineio"
)

// serve answers a request for an existing session.
func (s *eioSession) serve(w http.ResponseWriter, r *http.Request, transport string) {
	if transport == "websocket" {
		s.serveUpgrade(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.servePoll(w, r)
	case http.MethodPost:
		s.servePost(w, r)
	default:
		// As engine.io's polling transport: 500 without a body; the
		// session lives on.
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// startPolling answers the handshake GET with the open packet.
func (s *eioSession) startPolling(w http.ResponseWriter, r *http.Request, buffered []byte) {
	s.learnCORS(r)
	if !s.startUpstream(buffered) {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	s.writePayload(w, s.appendOpen(nil, []string{"websocket"}))
}

// probeNoopDelay is how long a GET waits for data while the session probes
// a websocket before it is answered with a noop (engine.io's check
// interval).
const probeNoopDelay = 100 * time.Millisecond

// servePoll is the long-polling GET: it waits until the session has
// something for the client (or closes) and sends it all as one payload.
func (s *eioSession) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.state == eioWebSocket {
		s.mu.Unlock()
		writeEIOError(w, engineio.CodeBadRequest)
		return
	}
	if s.getBusy {
		s.mu.Unlock()
		s.fail("transport error")
		w.WriteHeader(http.StatusBadRequest) // as the reference server: no body
		return
	}
	lateClose := s.state == eioClosed // the close came before this GET
	if lateClose && s.end != endServer {
		s.mu.Unlock()
		writeEIOError(w, engineio.CodeUnknownSID) // lost the race with forget
		return
	}
	s.getBusy = true
	for probed := false; (s.poll == nil || len(s.poll.B) == 0) && s.state == eioPolling && !probed; {
		if s.wake == nil {
			s.wake = make(chan struct{})
		}
		wake := s.wake
		var tick <-chan time.Time
		if s.probe != nil {
			// Upgrading: the client may have sent this GET before "3probe"
			// reached it; it pauses polling only once the GET returns, and
			// holds its writes until then. Answer a noop soon, as the
			// reference server does, or the upgrade waits for the next ping.
			tick = time.After(probeNoopDelay)
		}
		s.mu.Unlock()
		select {
		case <-wake:
		case <-tick:
			probed = true
		case <-r.Context().Done():
			s.mu.Lock()
			s.getBusy = false
			s.mu.Unlock()
			// The reference server ends the session when a pending poll is
			// dropped ("poll connection closed prematurely").
			s.fail("transport close")
			return
		}
		s.mu.Lock()
	}
	out := s.poll
	s.poll = nil
	s.getBusy = false
	closed, end := s.state == eioClosed, s.end
	s.mu.Unlock()
	if out == nil || len(out.B) == 0 {
		if out != nil {
			bytebufferpool.Put(out)
		}
		if closed {
			// The close packet travels alone, after what was queued: the
			// client handles a payload's Socket.IO packets on a later tick
			// than a close packet and would lose them.
			s.writePayload(w, closeAnswer(end, lateClose))
			s.e.remove(s) // delivered: the sid is unknown from now on
			return
		}
		s.writePayload(w, engineio.NoopPacket) // upgraded or upgrading meanwhile
		return
	}
	s.writePayload(w, out.B)
	bytebufferpool.Put(out)
}

// closeAnswer is what a GET gets when the session closed with nothing
// queued: the reference's polling transport answers a GET it was holding
// with a close packet (a noop when the client itself closed), and a GET
// that comes after a server-side close with a noop and the close packet.
func closeAnswer(end eioEnd, late bool) []byte {
	switch {
	case end == endClient:
		return engineio.NoopPacket
	case late:
		return engineio.NoopClosePayload
	}
	return engineio.ClosePacket
}

// servePost decodes a polling payload from the client and relays it. As
// on engine.io's polling transport, a body that was read in full is
// answered "ok" even when a bad packet in it ended the session; a body of
// binary type or one past maxPayload is refused, the latter without
// ending the session.
func (s *eioSession) servePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	switch {
	case s.state != eioPolling:
		s.mu.Unlock()
		writeEIOError(w, engineio.CodeBadRequest)
		return
	case s.postBusy:
		s.mu.Unlock()
		s.fail("transport error")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.postBusy = true
	s.mu.Unlock()
	code := s.relayPost(r)
	s.mu.Lock()
	s.postBusy = false
	s.mu.Unlock()
	if code != http.StatusOK {
		if code != http.StatusRequestEntityTooLarge {
			s.fail("transport error")
		}
		w.WriteHeader(code)
		return
	}
	s.setCORS(w.Header())
	w.Header().Set("Content-Type", "text/html") // as the reference, without a charset
	_, _ = io.WriteString(w, "ok")
}

// relayPost reads and relays one POST body; it returns the HTTP status.
func (s *eioSession) relayPost(r *http.Request) int {
	if r.Header.Get("Content-Type") == "application/octet-stream" {
		return http.StatusBadRequest // Engine.IO v4 payloads are text
	}
	limit := s.maxPayload()
	if r.ContentLength > limit {
		return http.StatusRequestEntityTooLarge
	}
	buf := bytebufferpool.Get()
	defer bytebufferpool.Put(buf)
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return http.StatusBadRequest
	}
	if n > limit {
		return http.StatusRequestEntityTooLarge
	}
	var d engineio.PayloadDecoder
	d.Reset(buf.B)
	for {
		pkt, ok, err := d.Next()
		if err == nil && !ok && n == 0 {
			err = errEIOProtocol // an empty payload is a parse error too
		}
		if err != nil {
			s.e.srv.stats.clientProtocol.Add(1)
			s.fail("parse error")
			return http.StatusOK
		}
		if !ok {
			break
		}
		if pkt.Type == engineio.Close {
			s.closeAs(endClient, "transport close")
			return http.StatusOK
		}
		if err := s.clientPacket(pkt, nil); err != nil {
			if errors.Is(err, ErrQueueFull) {
				s.e.srv.stats.slowBackend.Add(1)
				s.fail("write queue full")
				return http.StatusOK
			}
			s.e.srv.stats.clientProtocol.Add(1)
			s.fail("parse error")
			return http.StatusOK
		}
	}
	if err := s.up.Flush(); err != nil {
		return http.StatusBadGateway
	}
	return http.StatusOK
}

func (s *eioSession) maxPayload() int64 {
	if s.hs.MaxPayload > 0 {
		return s.hs.MaxPayload
	}
	return s.e.srv.cfg.MaxPayload
}

// appendPollLocked adds one packet to the payload the next GET takes.
func (s *eioSession) appendPollLocked(pkt engineio.Packet) error {
	if s.poll == nil {
		s.poll = bytebufferpool.Get()
		s.poll.B = s.poll.B[:0]
	}
	if len(s.poll.B)+len(pkt.Data)*4/3+8 > s.e.srv.cfg.WriteQueueBytes {
		return ErrQueueFull
	}
	s.poll.B = engineio.AppendPayloadPacket(s.poll.B, pkt)
	return nil
}

// wakeLocked releases a GET waiting for data.
func (s *eioSession) wakeLocked() {
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
}

func (s *eioSession) writePayload(w http.ResponseWriter, body []byte) {
	h := w.Header()
	s.setCORS(h)
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
