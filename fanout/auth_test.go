package fanout

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

const (
	busSecret  = "Cl-secret-one"
	testCookie = "sid=Co0kie-Val-9"
)

// inbox collects what a handler gets, copying it.
type authInbox struct {
	mu   sync.Mutex
	envs []Envelope
}

func (in *authInbox) handle(env *Envelope) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.envs = append(in.envs, Envelope{Kind: env.Kind, Sender: bytes.Clone(env.Sender), Payload: bytes.Clone(env.Payload)})
}

func (in *authInbox) count() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.envs)
}

// TestBusAuthentication: with a Secret, only envelopes sealed with the same
// secret and scope reach a handler; the rest are refused and counted. Both
// buses.
func TestBusAuthentication(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			recv := fastConfig("recv")
			recv.Secret, recv.SecretScope = busSecret, "prod"
			rb := n.bus(t, recv)
			in := &authInbox{}
			subscribe(t, rb, NodeChannel("recv"), in.handle)
			senders := []struct {
				name           string
				secret, scope  string
				wantDelivered  bool
				wantRefusedMsg string
			}{
				{"same secret and scope", busSecret, "prod", true, ""},
				{"no secret", "", "", false, "no tag"},
				{"another secret", "guess", "prod", false, "bad tag"},
				{"another REDIS_ADAPTER_KEY", busSecret, "staging", false, "bad tag"},
			}
			for _, s := range senders {
				t.Run(s.name, func(t *testing.T) {
					cfg := fastConfig("send-" + strings.ReplaceAll(s.name, " ", "-"))
					cfg.Secret, cfg.SecretScope = s.secret, s.scope
					sb := n.bus(t, cfg)
					before, refused := in.count(), rb.Stats().Unauthenticated
					for _, kind := range []Kind{KindFrame, KindHandshake} {
						msg := encode(t, sb, kind, "sess", 1, "Cookie: "+testCookie)
						if err := sb.Publish(NodeChannel("recv"), msg); err != nil {
							t.Fatal(err)
						}
					}
					if s.wantDelivered {
						testkit.WaitUntil(t, 5*time.Second, "both envelopes delivered", func() bool { return in.count() == before+2 })
						in.mu.Lock()
						got := in.envs[len(in.envs)-1]
						in.mu.Unlock()
						if got.Kind != KindHandshake || string(got.Payload) != "Cookie: "+testCookie {
							t.Fatalf("handshake arrived as %v %q", got.Kind, got.Payload)
						}
						return
					}
					testkit.WaitUntil(t, 5*time.Second, "both envelopes refused", func() bool {
						return rb.Stats().Unauthenticated == refused+2
					})
					if in.count() != before {
						t.Fatalf("an unauthenticated envelope reached the handler")
					}
				})
			}
		})
	}
}

// TestBusAuthHidesHandshakes: in Redis, with a Secret, a handshake's
// cookie is not readable on the wire (a raw SUBSCRIBE sees the bytes), and
// a tampered copy is refused.
func TestBusAuthHidesHandshakes(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	net := &network{name: "redis", server: srv, redis: RedisConfig{URL: srv.URL(), KeyPrefix: "hide"}}
	cfg := fastConfig("a")
	cfg.Secret, cfg.SecretScope = busSecret, "hide"
	cfg.SelfCheckInterval = -1 // b's probes would cross the raw subscriber's channel
	a := net.bus(t, cfg)
	cfg.NodeID = "b"
	b := net.bus(t, cfg)
	in := &authInbox{}
	subscribe(t, b, NodeChannel("b"), in.handle)

	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = raw.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ps := raw.Subscribe(ctx, "hide:sidecast:node:b")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []Kind{KindHandshake, KindConnect, KindSnapshot} {
		if err := a.Publish(NodeChannel("b"), encode(t, a, kind, "sess", 1, "Cookie: "+testCookie)); err != nil {
			t.Fatal(err)
		}
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.Payload, "Co0kie-Val-9") {
			t.Fatalf("%v: the cookie is readable in Redis: %q", kind, m.Payload)
		}
		// Replay the wire bytes with one payload byte flipped.
		tampered := []byte(m.Payload)
		tampered[len(tampered)-TagSize-1] ^= 1
		before := b.Stats().Unauthenticated
		if err := raw.Publish(ctx, "hide:sidecast:node:b", tampered).Err(); err != nil {
			t.Fatal(err)
		}
		testkit.WaitUntil(t, 5*time.Second, "the tampered copy refused", func() bool { return b.Stats().Unauthenticated == before+1 })
		if _, err := ps.ReceiveMessage(ctx); err != nil { // the raw subscriber sees the copy too
			t.Fatal(err)
		}
	}
	testkit.WaitUntil(t, 5*time.Second, "three handshakes delivered in clear", func() bool { return in.count() == 3 })
	for _, env := range in.envs {
		if string(env.Payload) != "Cookie: "+testCookie {
			t.Fatalf("%v payload %q after opening", env.Kind, env.Payload)
		}
	}
}

// Sealing a frame and opening it allocate nothing.
func TestBusAuthAllocatesNothing(t *testing.T) {
	auth := newBusAuth(busSecret, "p")
	op := auth.newOpener()
	env := Envelope{Kind: KindFrame, Sender: []byte("a"), Session: []byte("s"), Seq: 1, Payload: bytes.Repeat([]byte("x"), 512)}
	msg, _ := env.Append(nil)
	buf := make([]byte, 0, 2048)
	var got Envelope
	allocs := testing.AllocsPerRun(1000, func() {
		sealed, err := auth.Seal(buf[:0], msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := got.Decode(sealed); err != nil {
			t.Fatal(err)
		}
		if err := op.open(&got); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 && !raceEnabled {
		t.Fatalf("seal+open allocates %.1f times, want 0", allocs)
	}
}

// A sealed envelope still decodes, carries FlagTag, and any flipped bit
// fails open.
func TestBusAuthTamper(t *testing.T) {
	auth := newBusAuth(busSecret, "p")
	op := auth.newOpener()
	for _, kind := range []Kind{KindFrame, KindHandshake} {
		env := Envelope{Kind: kind, Sender: []byte("a"), Session: []byte("s"), Seq: 7, Payload: []byte("Cookie: " + testCookie)}
		msg, _ := env.Append(nil)
		sealed, err := auth.Seal(nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range sealed {
			c := bytes.Clone(sealed)
			c[i] ^= 0x10
			var e Envelope
			if e.Decode(c) != nil {
				continue // refused earlier, as malformed
			}
			if err := op.open(&e); !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("%v: byte %d flipped: open = %v", kind, i, err)
			}
		}
	}
}
