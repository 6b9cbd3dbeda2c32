package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/gobwas/ws"
)

// runBackend upgrades every connection on its accept goroutine and holds the
// socket: an idle backend that costs no goroutine per session, so the proxy's
// cost is all that is measured.
func runBackend() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	var h holder
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := ws.Upgrade(c); err != nil {
			fmt.Fprintln(os.Stderr, "backend upgrade:", err)
			c.Close()
			continue
		}
		c.SetDeadline(time.Time{})
		h.hold(c)
	}
}

// holder keeps upgraded sockets referenced (and so open) until the process
// is killed.
type holder struct{ conns []net.Conn }

func (h *holder) hold(c net.Conn) { h.conns = append(h.conns, c) }
