package proxy

import (
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestSocketIOClientDisconnectIsClean: socket.io-client's disconnect() ends
// its session cleanly over every transport; it is not counted as a drop of
// any kind (a clean close is not a client protocol error).
func TestSocketIOClientDisconnectIsClean(t *testing.T) {
	p, base, _ := newSocketIOProxy(t)
	peer := siotest.StartPeer(t)
	for _, transports := range [][]string{{"websocket"}, {"polling", "websocket"}, {"polling"}} {
		name := strings.Join(transports, "+")
		t.Run(name, func(t *testing.T) {
			before := p.Stats().Drops
			peer.MustConnect(t, siotest.Conn{Name: name, URL: base, Transports: transports, Auth: map[string]string{"userId": name}})
			peer.WaitEvent(t, name, "welcome")
			peer.Disconnect(t, name)
			testkit.WaitUntil(t, 10*time.Second, "the session ends", func() bool { return p.Stats().Sessions == 0 })
			if after := p.Stats().Drops; after != before {
				t.Fatalf("disconnect() counted drops: before %+v, after %+v", before, after)
			}
		})
	}
}
