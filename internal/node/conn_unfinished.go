package node

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// unfinishedRequests counts connections that closed before a whole request
// reached a handler: a client cut off by HANDSHAKE_TIMEOUT (a slowloris
// that never finishes its headers), a malformed request the HTTP server
// answered with 400 itself, or a client that connected and left without a
// word. The HTTP server closes those connections on its own, so the count
// comes from its connection-state hook: a connection is remembered while it
// is new or reading, forgotten once a handler sees a request from it or it
// is hijacked, and counted if it closes while still remembered.
type unfinishedRequests struct {
	pending sync.Map // net.Conn → struct{}
	closed  atomic.Uint64
}

type connKey struct{}

// connContext puts the connection in each request's context so the handler
// can tell which connection finished a request.
func (u *unfinishedRequests) connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// connState is the HTTP server's ConnState hook.
func (u *unfinishedRequests) connState(c net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		u.pending.Store(c, struct{}{})
	case http.StateHijacked:
		u.pending.Delete(c)
	case http.StateClosed:
		if _, was := u.pending.LoadAndDelete(c); was {
			u.closed.Add(1)
		}
	}
}

// served wraps the node's handler: a request that reaches it finished its
// headers, so its connection no longer counts.
func (u *unfinishedRequests) served(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
			u.pending.Delete(c)
		}
		next.ServeHTTP(w, r)
	})
}
