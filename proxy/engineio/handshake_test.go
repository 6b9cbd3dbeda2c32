package engineio

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestHandshakeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		h    Handshake
		json string
	}{
		{"socket.io defaults",
			Handshake{SID: "abc-123_", Upgrades: []string{"websocket"}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000},
			`{"sid":"abc-123_","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`},
		{"no upgrades",
			Handshake{SID: "s", Upgrades: []string{}, PingInterval: 1, PingTimeout: 2},
			`{"sid":"s","upgrades":[],"pingInterval":1,"pingTimeout":2}`},
		{"escapes",
			Handshake{SID: "a\"b\\c\x01", Upgrades: []string{}, PingInterval: 1, PingTimeout: 2},
			`{"sid":"a\"b\\c\u0001","upgrades":[],"pingInterval":1,"pingTimeout":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendHandshake(nil, tt.h))
			if got != tt.json {
				t.Fatalf("encoded %s, want %s", got, tt.json)
			}
			back, err := ParseHandshake([]byte(got))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.h) {
				t.Fatalf("decoded %+v, want %+v", back, tt.h)
			}
		})
	}
}

func TestParseHandshakeErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"sid":""}`, `{"sid":"x","pingInterval":0,"pingTimeout":1}`, `{"sid":"x","pingInterval":1}`} {
		t.Run(in, func(t *testing.T) {
			if _, err := ParseHandshake([]byte(in)); !errors.Is(err, ErrBadHandshake) {
				t.Fatalf("err = %v, want ErrBadHandshake", err)
			}
		})
	}
}

func TestHandshakeDurations(t *testing.T) {
	h := Handshake{PingInterval: 25000, PingTimeout: 20000}
	if h.Interval() != 25*time.Second || h.Timeout() != 20*time.Second {
		t.Fatalf("got %v and %v", h.Interval(), h.Timeout())
	}
}

func TestErrorBodies(t *testing.T) {
	tests := []struct {
		code   ErrorCode
		body   string
		status int
	}{
		{CodeUnknownTransport, `{"code":0,"message":"Transport unknown"}`, 400},
		{CodeUnknownSID, `{"code":1,"message":"Session ID unknown"}`, 400},
		{CodeBadHandshakeMethod, `{"code":2,"message":"Bad handshake method"}`, 400},
		{CodeBadRequest, `{"code":3,"message":"Bad request"}`, 400},
		{CodeForbidden, `{"code":4,"message":"Forbidden"}`, 403},
		{CodeUnsupportedVersion, `{"code":5,"message":"Unsupported protocol version"}`, 400},
		{ErrorCode(42), `{"code":3,"message":"Bad request"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.code.Message(), func(t *testing.T) {
			if string(tt.code.Body()) != tt.body || tt.code.Status() != tt.status {
				t.Fatalf("got %s %d, want %s %d", tt.code.Body(), tt.code.Status(), tt.body, tt.status)
			}
		})
	}
}
