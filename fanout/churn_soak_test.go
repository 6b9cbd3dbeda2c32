package fanout

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// soakPairs is how many twin pairs (two clients each) the churn soak runs.
const soakPairs = 100

// TestChurnSoak is the churn soak, a tool outside the default run: set
// SIDECAST_SOAK to how long it runs (a Go duration, at most 2h). 200
// Socket.IO clients (100 twin pairs) over 3 nodes on a real redis-server,
// each backend an examples/socketio-chat; every cycle of a pair: both
// members connect (to two different nodes, rotating), join a fresh room
// (acked), each sends 5 acked messages once both are in, each waits for its
// twin's 5, both leave (acked) and disconnect. A message that does not
// reach the twin within 5 s is lost; the soak requires none and logs the
// cycles played and the counters that say whether a join was taken as
// handled without proof. SIDECAST_SOAK_LOG=<path> writes each node's debug
// log to <path>.<node>.
func TestChurnSoak(t *testing.T) {
	limit := os.Getenv("SIDECAST_SOAK")
	if limit == "" {
		t.Skip("the churn soak runs only with SIDECAST_SOAK=<duration>")
	}
	d, err := time.ParseDuration(limit)
	if err != nil || d <= 0 || d > 2*time.Hour {
		t.Fatalf("SIDECAST_SOAK=%q: want a duration up to 2h", limit)
	}
	var n *network
	for _, nw := range networks(t) {
		if nw.server != nil {
			n = nw
		}
	}
	var nodes []*testNode
	for _, id := range []string{"a", "b", "c"} {
		backend := siotest.StartServer(t)
		u, _ := url.Parse(backend.URL)
		cfg := sioClusterConfig()
		cfg.ReplyEvents = []string{"room_joined"}
		if f := os.Getenv("SIDECAST_SOAK_LOG"); f != "" {
			w, err := os.Create(f + "." + id)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			cfg.Logger = testLogger(w)
		}
		// The registry's production timings (HEARTBEAT_INTERVAL, HEARTBEAT_TTL):
		// the tests' fast ones take a loaded machine's pauses for deaths.
		nodes = append(nodes, startNodeTimed(t, n, id, u, proxy.ProtocolSocketIO, cfg, 2*time.Second, 10*time.Second))
	}
	waitPeers(t, nodes...)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var cycles, lost, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for p := range soakPairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ctx.Err() == nil; k++ {
				l, err := soakCycle(nodes, p, k)
				if err != nil {
					failed.Add(1)
					t.Errorf("pair %d cycle %d: %v", p, k, err)
					return
				}
				lost.Add(int64(l))
				cycles.Add(2)
			}
		}()
	}
	wg.Wait()
	var st ClusterStats
	for _, nd := range nodes {
		s := nd.cl.Stats()
		st.BarrierTimeouts += s.BarrierTimeouts
		st.ReplyTimeouts += s.ReplyTimeouts
		st.SettledUnconfirmed += s.SettledUnconfirmed
		st.MirrorAckTimeouts += s.MirrorAckTimeouts
		st.SequenceGaps += s.SequenceGaps
		st.OwnCopyTimeouts += s.OwnCopyTimeouts
	}
	t.Logf("churn soak: %d client cycles in %v over 3 nodes: %d messages lost; barrier timeouts %d, reply timeouts %d, own-copy timeouts %d, sequence gaps %d, membership packets taken as handled on MIRROR_SETTLE alone (DISCONNECTs included) %d, mirror ack timeouts %d",
		cycles.Load(), time.Since(start).Round(time.Second), lost.Load(), st.BarrierTimeouts, st.ReplyTimeouts,
		st.OwnCopyTimeouts, st.SequenceGaps, st.SettledUnconfirmed, st.MirrorAckTimeouts)
	if lost.Load() != 0 {
		t.Fatalf("%d messages lost in %d client cycles", lost.Load(), cycles.Load())
	}
}

// soakCycle plays one cycle of pair p and returns the messages lost.
func soakCycle(nodes []*testNode, p, k int) (int, error) {
	room := fmt.Sprintf("soak-%d-%d", p, k)
	var members [2]*soakClient
	for i := range members {
		node := nodes[(p+k+i)%len(nodes)]
		c, err := dialSoak(node.front.URL, fmt.Sprintf("u%d%c", p, 'a'+i))
		if err != nil {
			return 0, err
		}
		defer c.close()
		members[i] = c
	}
	for _, c := range members {
		if err := c.call("join_twin_room", `{"twinPairId":"`+room+`"}`); err != nil {
			return 0, err
		}
	}
	for i, c := range members {
		for m := range 5 {
			text := fmt.Sprintf("%s-%d-%d", room, i, m)
			if err := c.call("send_message", `{"twinPairId":"`+room+`","text":"`+text+`"}`); err != nil {
				return 0, err
			}
		}
	}
	lost := 0
	for i, c := range members {
		twin := 1 - i
		lost += 5 - c.waitTexts(fmt.Sprintf("%s-%d-", room, twin), 5, 5*time.Second)
	}
	for _, c := range members {
		if err := c.call("leave_twin_room", `{"twinPairId":"`+room+`"}`); err != nil {
			return lost, err
		}
	}
	return lost, nil
}

// soakClient is a minimal Socket.IO v4 client over a websocket: readLoop
// (ended by close) answers pings, hands acks to their waiters and collects
// new_message texts; wmu serialises writes, mu guards the state below it.
type soakClient struct {
	conn   net.Conn
	rw     io.ReadWriter // conn, reading first what the dial buffered
	wmu    sync.Mutex
	mu     sync.Mutex
	nextID int
	acks   map[int]chan struct{}
	texts  []string
	done   chan struct{}
}

func dialSoak(base, user string) (*soakClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	rw := testkit.DialedConn(conn, br)
	if p, err := wsutil.ReadServerText(rw); err != nil || len(p) == 0 || p[0] != '0' {
		conn.Close()
		return nil, fmt.Errorf("engine.io open: %q %v", p, err)
	}
	if err := wsutil.WriteClientText(rw, []byte(`40{"userId":"`+user+`"}`)); err != nil {
		conn.Close()
		return nil, err
	}
	for {
		p, err := wsutil.ReadServerText(rw)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("connect: %w", err)
		}
		if strings.HasPrefix(string(p), "44") {
			conn.Close()
			return nil, fmt.Errorf("connect refused: %s", p)
		}
		if strings.HasPrefix(string(p), "40") {
			break
		}
	}
	c := &soakClient{conn: conn, rw: rw, acks: map[int]chan struct{}{}, done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

func (c *soakClient) write(p string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return wsutil.WriteClientText(c.rw, []byte(p))
}

func (c *soakClient) readLoop() {
	defer close(c.done)
	for {
		b, err := wsutil.ReadServerText(c.rw)
		if err != nil {
			return
		}
		p := string(b)
		switch {
		case p == "2":
			_ = c.write("3")
		case strings.HasPrefix(p, "43"):
			id, _ := strconv.Atoi(p[2:strings.IndexByte(p, '[')])
			c.mu.Lock()
			if ch := c.acks[id]; ch != nil {
				close(ch)
				delete(c.acks, id)
			}
			c.mu.Unlock()
		case strings.HasPrefix(p, `42["new_message",`):
			if i := strings.Index(p, `"text":"`); i >= 0 {
				rest := p[i+len(`"text":"`):]
				c.mu.Lock()
				c.texts = append(c.texts, rest[:strings.IndexByte(rest, '"')])
				c.mu.Unlock()
			}
		}
	}
}

// call emits event with one JSON argument and waits for its ack.
func (c *soakClient) call(event, arg string) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan struct{})
	c.acks[id] = ch
	c.mu.Unlock()
	if err := c.write("42" + strconv.Itoa(id) + `["` + event + `",` + arg + `]`); err != nil {
		return fmt.Errorf("%s: %w", event, err)
	}
	select {
	case <-ch:
		return nil
	case <-c.done:
		return fmt.Errorf("%s: connection closed before the ack", event)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s: no ack within 10s", event)
	}
}

// waitTexts waits up to d for want texts starting with prefix and returns
// how many arrived.
func (c *soakClient) waitTexts(prefix string, want int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		c.mu.Lock()
		got := 0
		for _, tx := range c.texts {
			if strings.HasPrefix(tx, prefix) {
				got++
			}
		}
		c.mu.Unlock()
		if got >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(2 * time.Millisecond) // polling a condition with a deadline
	}
}

// close disconnects the namespace, then the connection, and waits for readLoop.
func (c *soakClient) close() {
	_ = c.write("41")
	c.conn.Close()
	<-c.done
}
