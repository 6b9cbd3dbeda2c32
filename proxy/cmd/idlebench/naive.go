package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/gobwas/ws"
)

// naiveProxy is the baseline: the usual Go WebSocket proxy, one goroutine per
// direction copying bytes through a 32 KiB buffer. The copy goes through plain
// reader/writer wrappers: io.Copy between two TCP connections would splice
// through a pipe, holding two more descriptors per waiting direction, which
// no 20,000-descriptor process could afford for 9,000 sessions.
type naiveProxy struct {
	backend string
	open    atomic.Int64
}

func (n *naiveProxy) sessions() int { return int(n.open.Load()) }

func (n *naiveProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up, br, _, err := ws.Dial(context.Background(), "ws://"+n.backend+r.URL.RequestURI())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if br != nil {
		ws.PutReader(br)
	}
	client, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		up.Close()
		return
	}
	n.open.Add(1)
	go n.pipe(client, up)
	go n.pipe(up, client)
}

// pipe copies one direction until either side closes.
func (n *naiveProxy) pipe(dst, src net.Conn) {
	io.Copy(writerOnly{dst}, readerOnly{src})
	dst.Close()
	src.Close()
}

type readerOnly struct{ io.Reader }

type writerOnly struct{ io.Writer }
