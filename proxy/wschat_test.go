package proxy

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/examples/wschat"
)

// TestWSChatThroughProxy runs the real example backend behind the proxy: two
// users join a room and both see a message once; plain HTTP reaches it too.
func TestWSChatThroughProxy(t *testing.T) {
	chat := wschat.NewServer(wschat.Options{})
	hs := httptest.NewServer(chat)
	t.Cleanup(func() {
		chat.Close()
		hs.Close()
	})
	u, _ := url.Parse(hs.URL)
	_, base := newProxy(t, u, nil)

	ann := dial(t, base, "/chat?user=ann")
	bob := dial(t, base, "/chat?user=bob")
	sendText(t, ann, `{"type":"join","room":"r1"}`)
	expectEvent(t, readMsg(t, ann).Payload, "joined", "ann")
	sendText(t, bob, `{"type":"join","room":"r1"}`)
	expectEvent(t, readMsg(t, ann).Payload, "joined", "bob")
	expectEvent(t, readMsg(t, bob).Payload, "joined", "bob")
	sendText(t, ann, `{"type":"say","room":"r1","text":"hi bob"}`)
	for _, c := range []net.Conn{ann, bob} {
		m := readMsg(t, c)
		expectEvent(t, m.Payload, "said", "ann")
		if !strings.Contains(string(m.Payload), "hi bob") {
			t.Fatalf("said %s", m.Payload)
		}
	}
	resp, err := http.Get(base + "/rooms")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "r1") {
		t.Fatalf("GET /rooms through the proxy: %s", body)
	}
}

func sendText(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if err := wsutil.WriteClientText(c, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func expectEvent(t *testing.T, p []byte, typ, user string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if m["type"] != typ || (m["user"] != user && m["from"] != user) {
		t.Fatalf("got %s, want %s by %s", p, typ, user)
	}
}
