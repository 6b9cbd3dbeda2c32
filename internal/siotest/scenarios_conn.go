package siotest

import (
	"testing"
)

func (e *Env) nsConn(name, share, u string) Conn {
	c := e.Conn(name, u)
	c.Namespace = "/notifications"
	if share != "" {
		c.Share, c.URL, c.Transports = share, "", nil
	}
	return c
}

func scenarioNamespaces(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.Peer.MustConnect(t, e.nsConn("an", "a", "a")) // same Engine.IO connection as a
	e.Peer.MustConnect(t, e.nsConn("bn", "", "b"))  // its own connection

	e.Peer.Emit(t, "bn", "notify", map[string]string{"toUserId": e.User("a"), "text": "ding"})
	var n struct{ From, Text string }
	e.Peer.WaitEvent(t, "an", "notification").Arg(t, 0, &n)
	if n.From != e.User("b") || n.Text != "ding" {
		t.Fatalf("notification %+v", n)
	}
	e.Absent(t, "a", "notification") // the root namespace did not get it

	e.Peer.EmitWithAck(t, "an", "subscribe", map[string]string{"topic": e.Room("t")})
	e.Peer.Emit(t, "bn", "publish", map[string]string{"topic": e.Room("t"), "text": "news"})
	var tm struct{ From, Text string }
	e.Peer.WaitEvent(t, "an", "topic_message").Arg(t, 0, &tm)
	if tm.From != e.User("b") || tm.Text != "news" {
		t.Fatalf("topic_message %+v", tm)
	}

	// A server-side disconnect of one namespace leaves the other one working.
	e.Peer.Emit(t, "a", "kick_me")
	if r := e.Peer.Wait(t, "a", "disconnect", "").Reason; r != "io server disconnect" {
		t.Fatalf("a disconnected with %q, want io server disconnect", r)
	}
	e.Peer.EmitWithAck(t, "an", "subscribe", map[string]string{"topic": e.Room("u")})
	if r := e.WaitServerDisconnect(t, "a", "/"); r != "server namespace disconnect" {
		t.Fatalf("server saw %q, want server namespace disconnect", r)
	}
}

func scenarioDisconnectReasons(t *testing.T, e *Env) {
	tests := []struct {
		user, client, server string
		do                   func(name string)
	}{
		{"a", "io client disconnect", "client namespace disconnect", func(n string) { e.Peer.Disconnect(t, n) }},
		{"b", "io server disconnect", "server namespace disconnect", func(n string) { e.Peer.Emit(t, n, "kick_me", map[string]bool{"all": true}) }},
		{"c", "transport close", "transport close", func(n string) { e.Peer.Drop(t, n) }},
	}
	for _, tt := range tests {
		t.Run(tt.client, func(t *testing.T) {
			e.Connect(t, tt.user, tt.user)
			if e.Transports == nil {
				e.Peer.Wait(t, tt.user, "upgrade", "")
			}
			tt.do(tt.user)
			if r := e.Peer.Wait(t, tt.user, "disconnect", "").Reason; r != tt.client {
				t.Errorf("client saw %q, want %q", r, tt.client)
			}
			if r := e.WaitServerDisconnect(t, tt.user, "/"); r != tt.server {
				t.Errorf("server saw %q, want %q", r, tt.server)
			}
		})
	}
}

func scenarioReconnection(t *testing.T, e *Env) {
	c := e.Conn("a", "a")
	c.Reconnection = true
	e.Peer.MustConnect(t, c)
	e.Peer.WaitEvent(t, "a", "welcome")
	if e.Transports == nil {
		e.Peer.Wait(t, "a", "upgrade", "")
	}
	if e.CloseSessions != nil {
		e.CloseSessions(t)
	} else {
		e.Peer.Drop(t, "a")
	}
	e.Peer.Wait(t, "a", "disconnect", "")
	e.Peer.WaitConnect(t, "a")
	e.Peer.WaitEvent(t, "a", "welcome")
	e.Sync(t, "a")
}

// scenarioIdentity: the query string and cookie of the client's handshake
// reach the backend.
func scenarioIdentity(t *testing.T, e *Env) {
	c := e.Conn("a", "a")
	c.Query = map[string]string{"tenant": "acme"}
	c.ExtraHeaders = map[string]string{"Cookie": "session=s3cret"}
	e.Peer.MustConnect(t, c)
	var who struct {
		UserID       string            `json:"userId"`
		Query        map[string]string `json:"query"`
		Cookie       string            `json:"cookie"`
		ForwardedFor string            `json:"forwardedFor"`
	}
	e.Peer.EmitWithAck(t, "a", "whoami").Arg(t, 0, &who)
	if who.UserID != e.User("a") || who.Query["tenant"] != "acme" || who.Cookie != "session=s3cret" {
		t.Fatalf("backend saw %+v", who)
	}
	t.Logf("X-Forwarded-For at the backend: %q", who.ForwardedFor)
}
