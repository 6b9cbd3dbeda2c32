package wschat_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/sidecast/sidecast/examples/wschat"
)

func join(room string) wschat.Message { return wschat.Message{Type: "join", Room: room} }
func leave(room string) wschat.Message {
	return wschat.Message{Type: "leave", Room: room}
}
func say(room, text string) wschat.Message {
	return wschat.Message{Type: "say", Room: room, Text: text}
}

func TestRoomBroadcast(t *testing.T) {
	_, hs := startServer(t, wschat.Options{})
	alice, bob, carol := dial(t, hs, "alice"), dial(t, hs, "bob"), dial(t, hs, "carol")

	alice.send(join("r1"))
	alice.expect(wschat.Message{Type: "joined", Room: "r1", User: "alice"})
	bob.send(join("r1"))
	alice.expect(wschat.Message{Type: "joined", Room: "r1", User: "bob"})
	bob.expect(wschat.Message{Type: "joined", Room: "r1", User: "bob"})
	carol.send(join("r2"))
	carol.expect(wschat.Message{Type: "joined", Room: "r2", User: "carol"})

	alice.send(say("r1", "hi"))
	said := wschat.Message{Type: "said", Room: "r1", From: "alice", Text: "hi"}
	alice.expect(said)
	bob.expect(said)
	carol.quiet("r2")

	bob.send(leave("r1"))
	left := wschat.Message{Type: "left", Room: "r1", User: "bob"}
	alice.expect(left)
	bob.expect(left)
	alice.send(say("r1", "gone?"))
	alice.expect(wschat.Message{Type: "said", Room: "r1", From: "alice", Text: "gone?"})
	bob.quiet("r1")
}

func TestDisconnectLeavesRooms(t *testing.T) {
	chat, hs := startServer(t, wschat.Options{})
	alice, bob := dial(t, hs, "alice"), dial(t, hs, "bob")
	alice.send(join("r"))
	alice.next()
	bob.send(join("r"))
	alice.next()
	bob.next()
	if got := chat.Members("r"); strings.Join(got, ",") != "alice,bob" {
		t.Fatalf("members = %v", got)
	}
	_ = bob.conn.Close()
	alice.expect(wschat.Message{Type: "left", Room: "r", User: "bob"})
	alice.send(wschat.Message{Type: "members", Room: "r"})
	alice.expect(wschat.Message{Type: "members", Room: "r", Users: []string{"alice"}})
}

func TestWelcome(t *testing.T) {
	_, hs := startServer(t, wschat.Options{Welcome: true})
	c := dial(t, hs, "dora")
	c.expect(wschat.Message{Type: "welcome", User: "dora"})
}

func TestErrors(t *testing.T) {
	_, hs := startServer(t, wschat.Options{})
	c := dial(t, hs, "eve")
	tests := []struct {
		name string
		op   ws.OpCode
		in   string
		want string
	}{
		{"bad json", ws.OpText, `{`, "bad json"},
		{"no type", ws.OpText, `{"room":"r"}`, "missing type"},
		{"unknown type", ws.OpText, `{"type":"dance","room":"r"}`, "unknown type"},
		{"no room", ws.OpText, `{"type":"join"}`, "missing room"},
		{"long room", ws.OpText, `{"type":"join","room":"` + strings.Repeat("x", 201) + `"}`, "longer than"},
		{"say outside room", ws.OpText, `{"type":"say","room":"r","text":"x"}`, "not in room"},
		{"binary", ws.OpBinary, `{"type":"join","room":"r"}`, "binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			c.sendRaw(tt.op, []byte(tt.in))
			got := c.next()
			if got.Type != "error" || !strings.Contains(got.Error, tt.want) {
				t.Fatalf("got %+v, want error containing %q", got, tt.want)
			}
		})
	}
}

func TestCloseCodes(t *testing.T) {
	tests := []struct {
		name string
		send func(c *client)
		want ws.StatusCode
	}{
		{"too big", func(c *client) { c.sendRaw(ws.OpText, make([]byte, 2048)) }, ws.StatusMessageTooBig},
		{"invalid utf8", func(c *client) { c.sendRaw(ws.OpText, []byte{0xff, 0xfe}) }, ws.StatusInvalidFramePayloadData},
		{"client close", func(c *client) {
			c.sendRaw(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye"))
		}, ws.StatusNormalClosure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, hs := startServer(t, wschat.Options{MaxMessage: 1024})
			c := dial(t, hs, "x")
			tt.send(c)
			err := c.readClose()
			var closed wsutil.ClosedError
			if !errors.As(err, &closed) || closed.Code != tt.want {
				t.Fatalf("got %v, want close %d", err, tt.want)
			}
		})
	}
}

func TestPing(t *testing.T) {
	_, hs := startServer(t, wschat.Options{})
	c := dial(t, hs, "p")
	c.sendRaw(ws.OpPing, []byte("are you there"))
	_ = c.conn.SetReadDeadline(timeNow().Add(waitFor))
	h, err := ws.ReadHeader(c.br)
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, h.Length)
	if _, err := io.ReadFull(c.br, body); err != nil {
		t.Fatal(err)
	}
	if h.OpCode != ws.OpPong || string(body) != "are you there" {
		t.Fatalf("got %v %q, want pong with the ping's payload", h.OpCode, body)
	}
}

func TestServerCloseSendsGoingAway(t *testing.T) {
	chat, hs := startServer(t, wschat.Options{})
	c := dial(t, hs, "z")
	c.send(join("r"))
	c.next()
	if err := chat.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := c.read()
	var closed wsutil.ClosedError
	if !errors.As(err, &closed) || closed.Code != ws.StatusGoingAway {
		t.Fatalf("got %v, want close 1001", err)
	}
	if err := chat.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if n := chat.Clients(); n != 0 {
		t.Fatalf("%d clients after Close", n)
	}
}

// TestOrdering: every member sees each sender's messages in send order.
func TestOrdering(t *testing.T) {
	const senders, perSender = 3, 200
	_, hs := startServer(t, wschat.Options{})
	clients := make([]*client, senders)
	for i := range clients {
		clients[i] = dial(t, hs, fmt.Sprintf("u%d", i))
		clients[i].send(join("r"))
		// Joins in a known order: everyone so far sees this one.
		for _, c := range clients[:i+1] {
			if m := c.next(); m.Type != "joined" || m.User != fmt.Sprintf("u%d", i) {
				t.Fatalf("got %+v, want u%d joined", m, i)
			}
		}
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go sendMany(&wg, c, i, perSender)
	}
	wg.Wait()
	for _, c := range clients {
		nextSeq := make(map[string]int)
		for range senders * perSender {
			m := c.next()
			want := fmt.Sprintf("%s-%d", m.From, nextSeq[m.From])
			if m.Text != want {
				t.Fatalf("got %q, want %q", m.Text, want)
			}
			nextSeq[m.From]++
		}
	}
}

func sendMany(wg *sync.WaitGroup, c *client, i, n int) {
	defer wg.Done()
	for k := range n {
		p := fmt.Sprintf(`{"type":"say","room":"r","text":"u%d-%d"}`, i, k)
		if err := wsutil.WriteClientText(c.conn, []byte(p)); err != nil {
			c.t.Errorf("write: %v", err)
			return
		}
	}
}

func TestHTTPRoutes(t *testing.T) {
	_, hs := startServer(t, wschat.Options{})
	c := dial(t, hs, "ann")
	c.send(join("news"))
	c.next()

	resp, err := http.Post(hs.URL+"/rooms/news/announce", "text/plain", strings.NewReader("extra!"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("announce status %d", resp.StatusCode)
	}
	c.expect(wschat.Message{Type: "said", Room: "news", From: "server", Text: "extra!"})

	tests := []struct{ path, want string }{
		{"/rooms", `{"news":["ann"]}`},
		{"/", "<title>wschat</title>"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			body := get(t, hs.URL+tt.path)
			if !strings.Contains(body, tt.want) {
				t.Fatalf("GET %s = %q, want it to contain %q", tt.path, body, tt.want)
			}
		})
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}
