package main

import (
	"fmt"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// serveBackend is a plain goroutine-per-connection WebSocket server that
// echoes and otherwise holds connections; it only counts sessions.
func serveBackend() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("backend listener: %w", err)
	}
	var sessions atomic.Int64
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, _, _, err := ws.UpgradeHTTP(r, w)
			if err != nil {
				return
			}
			sessions.Add(1)
			defer sessions.Add(-1)
			defer conn.Close()
			for {
				msg, op, err := wsutil.ReadClientData(conn)
				if err != nil {
					return
				}
				if err := wsutil.WriteServerMessage(conn, op, msg); err != nil {
					return
				}
			}
		}))
	}()
	return serveControl(sessions.Load, ln)
}
