package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/sticky"
)

// TestSocketIOBinaryScenarios runs internal/siotest's scenario table (every
// transport setting) against the built binary with PROTOCOL=socketio in
// front of examples/socketio-chat, as a deployment runs it.
func TestSocketIOBinaryScenarios(t *testing.T) {
	chat := siotest.StartServer(t)
	_, base := startNodeProc(t, chat.URL, map[string]string{"PROTOCOL": "socketio"})
	siotest.RunAll(t, siotest.Target{Name: "binary", URL: base, Backend: chat.URL})
}

// TestSocketIOPathAndCookie: with SOCKETIO_PATH set as the backend's
// Socket.IO path, Engine.IO is served there (other paths, the default one
// included, are the backend's plain HTTP), the sids carry the node's tag,
// and STICKY_COOKIE is set on handshakes.
func TestSocketIOPathAndCookie(t *testing.T) {
	chat := siotest.StartServer(t, "SOCKETIO_PATH=/chat/")
	_, base := startNodeProc(t, chat.URL, map[string]string{
		"PROTOCOL": "socketio", "SOCKETIO_PATH": "/chat/", "SERVER_ID": "cookie-node",
		"STICKY_COOKIE": "sidecast_node; Path=/; HttpOnly",
	})
	resp, err := http.Get(base + "/chat/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "0{") {
		t.Fatalf("handshake on SOCKETIO_PATH: %d %q", resp.StatusCode, body)
	}
	sid := openSID(t, body)
	tag, err := sticky.NewCodec(nil).Parse(sid)
	if err != nil || tag != sticky.NodeTag("cookie-node") {
		t.Fatalf("sid %q: tag %v, %v; want cookie-node's", sid, tag, err)
	}
	if got := resp.Header.Get("Set-Cookie"); got != "sidecast_node=cookie-node; Path=/; HttpOnly" {
		t.Fatalf("Set-Cookie %q", got)
	}

	// A websocket handshake gets the cookie on its 101 answer.
	var wsCookie string
	d := ws.Dialer{OnHeader: func(key, value []byte) error {
		if strings.EqualFold(string(key), "Set-Cookie") {
			wsCookie = string(value)
		}
		return nil
	}}
	conn, _, _, err := d.Dial(context.Background(), "ws"+strings.TrimPrefix(base, "http")+"/chat/?EIO=4&transport=websocket")
	if err != nil {
		t.Fatalf("websocket handshake: %v", err)
	}
	conn.Close()
	if wsCookie != "sidecast_node=cookie-node; Path=/; HttpOnly" {
		t.Fatalf("websocket handshake: Set-Cookie %q", wsCookie)
	}

	// The default path is plain HTTP now: the backend's own answer.
	resp, err = http.Get(base + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusNotFound || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("the default path answered %d %q, want the backend's 404", resp.StatusCode, body)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var sb strings.Builder
	if _, err := io.Copy(&sb, resp.Body); err != nil {
		t.Fatal(err)
	}
	return sb.String()
}
