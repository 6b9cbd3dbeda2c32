package conformance

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// stepKind is what one step of an exchange does.
type stepKind uint8

const (
	stOpen         stepKind = iota // polling handshake GET; its sid is the exchange's
	stHTTP                         // any request: method, query, header, body
	stGet                          // one polling GET
	stGetAsync                     // a polling GET left pending under label
	stAwait                        // the answer of the GET under label
	stCancel                       // the client drops the GET under label
	stCollect                      // polling GETs until n packets came
	stPost                         // one polling POST of body
	stWaitWaiting                  // until the server holds n waiting GETs
	stWaitSessions                 // until the server holds n sessions
	stWSDial                       // a websocket handshake (query, header) as conn n
	stWSSend                       // a masked frame of op with data on conn n
	stWSRecv                       // the next frame on conn n
	stWSRaw                        // raw bytes on conn n
)

// step is one request, frame or wait of an exchange. Every step records
// one answer; differs, when set, says why the two servers' answers to it
// may differ.
type step struct {
	kind    stepKind
	method  string
	query   string // "{sid}" stands for the exchange's sid
	header  http.Header
	body    string
	n       int
	op      ws.OpCode
	data    []byte
	label   string
	differs string
}

// exchange is one row of a conformance table.
type exchange struct {
	name      string
	transport string // polling, websocket, upgrade or http: what it exercises
	fast      bool   // played against the servers with a 300 ms ping interval
	steps     []step
}

// Step constructors, so the tables read as the wire does.

func open() step                     { return step{kind: stOpen, query: "transport=polling"} }
func get() step                      { return step{kind: stGet} }
func getAsync(label string) step     { return step{kind: stGetAsync, label: label} }
func await(label string) step        { return step{kind: stAwait, label: label} }
func cancelGet(label string) step    { return step{kind: stCancel, label: label} }
func collect(n int) step             { return step{kind: stCollect, n: n} }
func post(body string) step          { return step{kind: stPost, body: body, method: http.MethodPost} }
func waitWaiting(n int) step         { return step{kind: stWaitWaiting, n: n} }
func waitSessions(n int) step        { return step{kind: stWaitSessions, n: n} }
func wsDial(conn int, q string) step { return step{kind: stWSDial, n: conn, query: q} }
func wsText(conn int, s string) step {
	return step{kind: stWSSend, n: conn, op: ws.OpText, data: []byte(s)}
}
func wsBinary(conn int, b ...byte) step {
	return step{kind: stWSSend, n: conn, op: ws.OpBinary, data: b}
}
func wsClose(conn int, code ws.StatusCode) step {
	return step{kind: stWSSend, n: conn, op: ws.OpClose, data: ws.NewCloseFrameBody(code, "")}
}
func wsRecv(conn int) step          { return step{kind: stWSRecv, n: conn} }
func wsRaw(conn int, b []byte) step { return step{kind: stWSRaw, n: conn, data: b} }
func request(method, query string, header http.Header, body string) step {
	return step{kind: stHTTP, method: method, query: query, header: header, body: body}
}

// because marks a step whose answer may differ, with the reason.
func (s step) because(reason string) step { s.differs = reason; return s }

// withHeader adds request headers to a step.
func (s step) withHeader(kv ...string) step {
	s.header = http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		s.header.Add(kv[i], kv[i+1])
	}
	return s
}

// waitLimit bounds every wait and read; generous for a loaded machine.
const waitLimit = 15 * time.Second

// Records of a wait or a held GET that never ended.
const (
	notReached = "not reached"
	noAnswer   = "no answer"
)

// player plays one exchange against one target and records the answers.
type player struct {
	t       *testing.T
	tg      *target
	client  *http.Client
	sid     string
	ack     string // the last ack id a server event asked for
	records []string
	async   map[string]chan string
	cancels map[string]context.CancelFunc
	conns   map[int]*wsConn
}

type wsConn struct {
	c       net.Conn
	br      *bufio.Reader
	closing bool // this side sent a close frame
}

func play(t *testing.T, tg *target, ex exchange) []string {
	p := &player{t: t, tg: tg, client: &http.Client{Timeout: waitLimit, Transport: &http.Transport{}},
		async: map[string]chan string{}, cancels: map[string]context.CancelFunc{}, conns: map[int]*wsConn{}}
	defer p.cleanup()
	for i, s := range ex.steps {
		rec := p.normalize(p.do(s))
		if rec == notReached || rec == noAnswer {
			// The exchange did not go as written; equal records would hide it.
			t.Errorf("%s, step %d: %s within %v", tg.name, i+1, rec, waitLimit)
		}
		p.records = append(p.records, rec)
	}
	return p.records
}

var (
	sidField       = regexp.MustCompile(`"sid":"[^"]*"`)
	quotedSIDField = regexp.MustCompile(`\\"sid\\":\\"[^"\\]*\\"`)
	// serverAsk is a server→client event that asks for an ack: its id.
	serverAsk = regexp.MustCompile(`^4[25](?:\d+-)?(?:/[^,]*,)?(\d+)\[`)
)

// normalize hides what differs by construction: session ids.
func (p *player) normalize(rec string) string {
	if p.sid != "" {
		rec = strings.ReplaceAll(rec, p.sid, "<sid>")
	}
	rec = quotedSIDField.ReplaceAllString(rec, `\"sid\":\"<sid>\"`)
	return sidField.ReplaceAllString(rec, `"sid":"<sid>"`)
}

// noteAsk remembers the ack id of a server event asking for one, which
// "{ack}" in a later step stands for.
func (p *player) noteAsk(pkt string) {
	if m := serverAsk.FindStringSubmatch(pkt); m != nil {
		p.ack = m[1]
	}
}

// fill replaces the exchange's variables in what a step sends.
func (p *player) fill(s string) string {
	return strings.NewReplacer("{sid}", p.sid, "{ack}", p.ack).Replace(s)
}

func (p *player) url(query string) string {
	return p.tg.base + p.tg.path + "?" + p.fill(query)
}

func (p *player) do(s step) string {
	switch s.kind {
	case stOpen:
		rec, body := p.http(context.Background(), http.MethodGet, "EIO=4&"+s.query, s.header, "")
		if i := strings.Index(body, `"sid":"`); i >= 0 {
			rest := body[i+7:]
			p.sid = rest[:strings.IndexByte(rest, '"')]
		}
		return rec
	case stHTTP:
		rec, _ := p.http(context.Background(), s.method, s.query, s.header, s.body)
		return rec
	case stGet:
		rec, _ := p.http(context.Background(), http.MethodGet, "EIO=4&transport=polling&sid={sid}", s.header, "")
		return rec
	case stPost:
		rec, _ := p.http(context.Background(), http.MethodPost, "EIO=4&transport=polling&sid={sid}", s.header, p.fill(s.body))
		return rec
	case stGetAsync:
		ctx, cancel := context.WithCancel(context.Background())
		ch := make(chan string, 1)
		p.async[s.label], p.cancels[s.label] = ch, cancel
		go p.pendingGet(ctx, ch, p.url("EIO=4&transport=polling&sid={sid}"))
		return "sent"
	case stAwait:
		ch := p.async[s.label]
		select {
		case rec := <-ch:
			p.cancels[s.label]()
			delete(p.async, s.label)
			delete(p.cancels, s.label)
			return rec
		case <-time.After(waitLimit):
			return noAnswer
		}
	case stCancel:
		p.cancels[s.label]()
		<-p.async[s.label]
		delete(p.async, s.label)
		delete(p.cancels, s.label)
		return "dropped"
	case stCollect:
		return p.collect(s.n)
	case stWaitWaiting:
		return p.wait(func(_, waiting int) bool { return waiting == s.n })
	case stWaitSessions:
		return p.wait(func(sessions, _ int) bool { return sessions == s.n })
	case stWSDial:
		return p.wsDial(s)
	case stWSSend:
		return p.wsSend(s)
	case stWSRecv:
		return p.wsRecv(s.n)
	case stWSRaw:
		c := p.conns[s.n]
		if c == nil {
			return "no connection"
		}
		if _, err := c.c.Write(s.data); err != nil {
			return "write: " + errText(err)
		}
		return "sent"
	}
	return "unknown step"
}

// http sends one request and records its status, its telling headers and
// its body (a polling payload split into packets).
func (p *player) http(ctx context.Context, method, query string, hdr http.Header, body string) (string, string) {
	req, err := http.NewRequestWithContext(ctx, method, p.url(query), strings.NewReader(body))
	if err != nil {
		return "bad request: " + err.Error(), ""
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return "error: " + errText(err), ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "read: " + errText(err), ""
	}
	return httpRecord(resp, b), string(b)
}

// corsHeaders are recorded only for requests with an Origin: browsers read
// them on cross-origin requests alone, which always carry one.
var corsHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods", "Access-Control-Allow-Headers"}

func httpRecord(resp *http.Response, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", resp.StatusCode)
	if v := resp.Header.Get("Content-Type"); v != "" {
		fmt.Fprintf(&b, " Content-Type=%q", v)
	}
	if resp.Request == nil || resp.Request.Header.Get("Origin") == "" {
		fmt.Fprintf(&b, " %q", strings.Split(string(body), "\x1e"))
		return b.String()
	}
	for _, h := range corsHeaders {
		if v := resp.Header.Values(h); len(v) > 0 {
			fmt.Fprintf(&b, " %s=%q", h, strings.Join(v, ","))
		}
	}
	fmt.Fprintf(&b, " %q", strings.Split(string(body), "\x1e"))
	return b.String()
}

func (p *player) pendingGet(ctx context.Context, ch chan<- string, url string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		ch <- err.Error()
		return
	}
	resp, err := p.client.Do(req)
	if err != nil {
		ch <- "error: " + errText(err)
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ch <- "read: " + errText(err)
		return
	}
	ch <- httpRecord(resp, b)
}

// collect GETs until n packets came and records them, not how the server
// grouped them into payloads: that depends on when each GET arrived.
func (p *player) collect(n int) string {
	var got []string
	deadline := time.Now().Add(waitLimit)
	for len(got) < n && time.Now().Before(deadline) {
		req, err := http.NewRequest(http.MethodGet, p.url("EIO=4&transport=polling&sid={sid}"), nil)
		if err != nil {
			return err.Error()
		}
		resp, err := p.client.Do(req)
		if err != nil {
			return fmt.Sprintf("error after %q: %s", got, errText(err))
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Sprintf("after %q: %s", got, httpRecord(resp, b))
		}
		for _, pkt := range strings.Split(string(b), "\x1e") {
			p.noteAsk(pkt)
			got = append(got, pkt)
		}
	}
	return fmt.Sprintf("packets %q", got)
}

// wait polls the server's own count until cond holds.
func (p *player) wait(cond func(sessions, waiting int) bool) string {
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		sessions, waiting, err := p.tg.state()
		if err == nil && cond(sessions, waiting) {
			return "reached"
		}
		time.Sleep(2 * time.Millisecond)
	}
	return notReached
}

// wsDial does a websocket handshake by hand, so a table can send what a
// library would not (a missing key, a wrong version) and see the answer.
func (p *player) wsDial(s step) string {
	host := strings.TrimPrefix(p.tg.base, "http://")
	c, err := net.DialTimeout("tcp", host, waitLimit)
	if err != nil {
		return "dial: " + errText(err)
	}
	hdr := http.Header{
		"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
		"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"13"},
	}
	for k, v := range s.header {
		if len(v) == 1 && v[0] == "" {
			delete(hdr, k)
			continue
		}
		hdr[k] = v
	}
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s?%s HTTP/1.1\r\nHost: %s\r\n", p.tg.path, p.fill(s.query), host)
	_ = hdr.Write(&b)
	b.WriteString("\r\n")
	_ = c.SetDeadline(time.Now().Add(waitLimit))
	if _, err := io.WriteString(c, b.String()); err != nil {
		c.Close()
		return "write: " + errText(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return "response: " + errText(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(resp.Body)
		c.Close()
		return httpRecord(resp, body)
	}
	_ = c.SetDeadline(time.Time{})
	p.conns[s.n] = &wsConn{c: c, br: br}
	return "101"
}

func (p *player) wsSend(s step) string {
	c := p.conns[s.n]
	if c == nil {
		return "no connection"
	}
	c.closing = c.closing || s.op == ws.OpClose
	data := s.data
	if s.op == ws.OpText {
		data = []byte(p.fill(string(data)))
	}
	f := ws.NewFrame(s.op, true, append([]byte(nil), data...))
	f = ws.MaskFrameInPlace(f)
	_ = c.c.SetWriteDeadline(time.Now().Add(waitLimit))
	if err := ws.WriteFrame(c.c, f); err != nil {
		return "write: " + errText(err)
	}
	return "sent"
}

// wsRecv records the next frame; a close frame is answered as browsers do.
func (p *player) wsRecv(n int) string {
	c := p.conns[n]
	if c == nil {
		return "no connection"
	}
	_ = c.c.SetReadDeadline(time.Now().Add(waitLimit))
	f, err := readFrame(c.br)
	if err != nil {
		return "read: " + errText(err)
	}
	switch f.Header.OpCode {
	case ws.OpText:
		p.noteAsk(string(f.Payload))
		return "text " + string(f.Payload)
	case ws.OpBinary:
		return "binary " + hex.EncodeToString(f.Payload)
	case ws.OpClose:
		// Answered (unless this side closed first) and the connection
		// closed, so the server sees the end at once.
		defer c.c.Close()
		if len(f.Payload) == 0 {
			if !c.closing {
				p.wsSend(step{n: n, op: ws.OpClose})
			}
			return "close without code"
		}
		code, reason := ws.ParseCloseFrameData(f.Payload)
		if !c.closing {
			p.wsSend(step{n: n, op: ws.OpClose, data: ws.NewCloseFrameBody(code, "")})
		}
		return fmt.Sprintf("close %d %q", code, reason)
	}
	return fmt.Sprintf("frame %#x", f.Header.OpCode)
}

// maxFrame bounds a frame the player reads; the tables' are small.
const maxFrame = 1 << 20

// readFrame reads one frame from a server (unmasked), refusing a declared
// length past maxFrame.
func readFrame(r io.Reader) (ws.Frame, error) {
	h, err := ws.ReadHeader(r)
	if err != nil {
		return ws.Frame{}, err
	}
	if h.Length > maxFrame {
		return ws.Frame{}, fmt.Errorf("frame of %d bytes", h.Length)
	}
	f := ws.Frame{Header: h, Payload: make([]byte, h.Length)}
	_, err = io.ReadFull(r, f.Payload)
	return f, err
}

// errText keeps what is the same for both servers of an error.
func errText(err error) string {
	var ne net.Error
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return "EOF"
	case strings.Contains(err.Error(), "connection reset"):
		return "reset"
	case strings.Contains(err.Error(), "context canceled"):
		return "canceled"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return err.Error()
}

// cleanup ends whatever the exchange left open and waits until the server
// holds no session, so the next exchange starts alone.
func (p *player) cleanup() {
	for label, cancel := range p.cancels {
		cancel()
		<-p.async[label]
	}
	for _, c := range p.conns {
		c.c.Close()
	}
	if p.sid != "" {
		_, _ = p.http(context.Background(), http.MethodPost, "EIO=4&transport=polling&sid={sid}", nil, "1")
	}
	if p.wait(func(sessions, waiting int) bool { return sessions == 0 }) == notReached {
		p.t.Errorf("%s still holds a session after the exchange", p.tg.name)
	}
}
