package fanout

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/proxy"
)

// silentRoom is a plain WebSocket room server in the style of the many
// small public "ws" room servers: {"type":"join","room":r} joins silently
// (no reply at all), {"type":"leave","room":r} leaves silently, and
// {"type":"say","room":r,"text":t} sends {"type":"said","from":user,
// "text":t} to every member of r. Each connection has its own goroutine
// (readLoop); mu guards the rooms. onJoin, when set, is told of each join.
type silentRoom struct {
	mu     sync.Mutex
	rooms  map[string]map[*silentConn]bool
	onJoin func(user, room string)
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
	go s.readLoop(&silentConn{conn: conn, user: r.URL.Query().Get("user")})
}

func (s *silentRoom) readLoop(c *silentConn) {
	defer func() {
		s.mu.Lock()
		for _, members := range s.rooms {
			delete(members, c)
		}
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
		case "leave":
			s.mu.Lock()
			delete(s.rooms[m.Room], c)
			s.mu.Unlock()
		case "say":
			out, _ := json.Marshal(map[string]string{"type": "said", "from": c.user, "text": m.Text})
			s.mu.Lock()
			members := make([]*silentConn, 0, len(s.rooms[m.Room]))
			for mc := range s.rooms[m.Room] {
				members = append(members, mc)
			}
			s.mu.Unlock()
			for _, mc := range members {
				mc.wmu.Lock()
				_ = wsutil.WriteServerText(mc.conn, out)
				mc.wmu.Unlock()
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
