package fanout

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/proxy"
)

// silentRoom is a plain WebSocket room server in the style of the many
// small public "ws" room servers: {"type":"join","room":r} joins silently
// (no reply at all, unless joinReply is set: then {"type":joinReply} comes
// replyDelay later, as from a handler that loads history first),
// {"type":"leave","room":r} leaves silently, {"type":"say","room":r,
// "text":t} sends {"type":"said","from":user,"text":t} to every member of
// r, and {"type":"shout","text":t} sends it to every connection. Each
// connection has its own goroutine (readLoop); mu guards the rooms and
// conns. onJoin, when set, is told of each join.
type silentRoom struct {
	mu         sync.Mutex
	rooms      map[string]map[*silentConn]bool
	conns      map[*silentConn]bool
	onJoin     func(user, room string)
	joinReply  string
	replyDelay time.Duration
}

type silentConn struct {
	conn net.Conn
	user string
	wmu  sync.Mutex
}

func (s *silentRoom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	c := &silentConn{conn: conn, user: r.URL.Query().Get("user")}
	s.mu.Lock()
	if s.conns == nil {
		s.conns = map[*silentConn]bool{}
	}
	s.conns[c] = true
	s.mu.Unlock()
	go s.readLoop(c)
}

func (c *silentConn) send(p []byte) {
	c.wmu.Lock()
	_ = wsutil.WriteServerText(c.conn, p)
	c.wmu.Unlock()
}

func (s *silentRoom) readLoop(c *silentConn) {
	defer func() {
		s.mu.Lock()
		for _, members := range s.rooms {
			delete(members, c)
		}
		delete(s.conns, c)
		s.mu.Unlock()
		c.conn.Close()
	}()
	for {
		p, err := wsutil.ReadClientText(c.conn)
		if err != nil {
			return
		}
		var m struct{ Type, Room, Text string }
		if json.Unmarshal(p, &m) != nil {
			continue
		}
		switch m.Type {
		case "join":
			s.mu.Lock()
			if s.rooms == nil {
				s.rooms = map[string]map[*silentConn]bool{}
			}
			if s.rooms[m.Room] == nil {
				s.rooms[m.Room] = map[*silentConn]bool{}
			}
			s.rooms[m.Room][c] = true
			s.mu.Unlock()
			if s.onJoin != nil {
				s.onJoin(c.user, m.Room)
			}
			if s.joinReply != "" {
				out, _ := json.Marshal(map[string]string{"type": s.joinReply, "room": m.Room})
				time.AfterFunc(s.replyDelay, func() { c.send(out) })
			}
		case "leave":
			s.mu.Lock()
			delete(s.rooms[m.Room], c)
			s.mu.Unlock()
		case "say", "shout":
			out, _ := json.Marshal(map[string]string{"type": "said", "from": c.user, "text": m.Text})
			s.mu.Lock()
			to := s.rooms[m.Room]
			if m.Type == "shout" {
				to = s.conns
			}
			members := make([]*silentConn, 0, len(to))
			for mc := range to {
				members = append(members, mc)
			}
			s.mu.Unlock()
			for _, mc := range members {
				mc.send(out)
			}
		}
	}
}

// startSilentNode starts a node in front of its own silentRoom.
func startSilentNode(t *testing.T, n *network, id string, cfg ClusterConfig, srv *silentRoom) *testNode {
	t.Helper()
	backend := httptest.NewServer(srv)
	t.Cleanup(backend.Close)
	u, _ := url.Parse(backend.URL)
	return startNodeOn(t, n, id, u, proxy.ProtocolWebSocket, cfg)
}
