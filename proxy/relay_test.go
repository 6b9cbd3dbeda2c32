package proxy

import (
	"bytes"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func TestRelayMessages(t *testing.T) {
	b := newEchoBackend(t)
	_, base := newProxy(t, b.url(), nil)
	tests := []struct {
		name string
		op   ws.OpCode
		p    []byte
	}{
		{"text", ws.OpText, []byte("hello")},
		{"binary", ws.OpBinary, []byte{0, 1, 2, 255}},
		{"empty text", ws.OpText, nil},
		{"64 KiB binary", ws.OpBinary, bytes.Repeat([]byte{9}, 64<<10)},
	}
	conn := dial(t, base, "/chat")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := wsutil.WriteClientMessage(conn, tc.op, tc.p); err != nil {
				t.Fatal(err)
			}
			m := readMsg(t, conn)
			if m.OpCode != tc.op || !bytes.Equal(m.Payload, tc.p) {
				t.Fatalf("echo: got %v %d bytes, want %v %d bytes", m.OpCode, len(m.Payload), tc.op, len(tc.p))
			}
		})
	}
}
