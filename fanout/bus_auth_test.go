package fanout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// assertWorks checks a bus end to end: self-check healthy, a registry
// record stored and listed, and a message to another bus delivered.
func assertWorks(t *testing.T, rc RedisConfig) {
	t.Helper()
	a, b := redisBus(t, fastConfig("node-a"), rc), redisBus(t, fastConfig("node-b"), rc)
	var got collector
	subscribe(t, b, NodeChannel("node-b"), got.handle)
	roundTrip(t, a, b, &got, "hello", 10*time.Second)
	testkit.WaitUntil(t, 10*time.Second, "self-check healthy", func() bool { return a.Status().Healthy && b.Status().Healthy })
	var la, lb eventLog
	startRegistry(t, a, "a:1", &la)
	startRegistry(t, b, "b:1", &lb)
	testkit.WaitUntil(t, 10*time.Second, "registry sees the peer", func() bool { _, _, ok := la.find(PeerUp, "node-b"); return ok })
}

// assertRefused checks that a bus with rc cannot work and that its error
// says why (want) without revealing secret.
func assertRefused(t *testing.T, rc RedisConfig, want, secret string) {
	t.Helper()
	var logs syncbuf.Buffer
	cfg := fastConfig("node-x")
	cfg.Logger = testLogger(&logs)
	b := redisBus(t, cfg, rc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.Check(ctx)
	if err == nil {
		t.Fatal("Check passed; want a refusal")
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("Check error %q does not say %q", err, want)
	}
	testkit.WaitUntil(t, 10*time.Second, "refusal logged", func() bool {
		return strings.Contains(logs.String(), "redis unavailable") && strings.Contains(logs.String(), want)
	})
	if st := b.Status(); st.Connected || st.Healthy || st.Err == nil {
		t.Fatalf("status %+v, want disconnected with an error", st)
	}
	if secret != "" && (strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) ||
		strings.Contains(fmt.Sprint(b.Status()), secret)) {
		t.Fatalf("secret leaked into an error, a status or the log:\n%s\n%s", err, logs.String())
	}
	t.Logf("refused as expected: %v", err)
}

func TestRedisPasswordAuth(t *testing.T) {
	const secret = "pw-S3cret-93F"
	srv := redistest.Start(t, redistest.Config{Password: secret})
	addr := srv.Addr()
	t.Run("password field", func(t *testing.T) {
		assertWorks(t, RedisConfig{URL: "redis://" + addr, Password: secret, KeyPrefix: "pw1"})
	})
	t.Run("password in URL", func(t *testing.T) {
		assertWorks(t, RedisConfig{URL: "redis://:" + secret + "@" + addr, KeyPrefix: "pw2"})
	})
	t.Run("host and port", func(t *testing.T) {
		assertWorks(t, RedisConfig{Host: "127.0.0.1", Port: srv.Port(), Password: secret, KeyPrefix: "pw3"})
	})
	t.Run("wrong password", func(t *testing.T) {
		assertRefused(t, RedisConfig{URL: "redis://" + addr, Password: "wrong-" + secret}, "WRONGPASS", secret)
	})
	t.Run("no password", func(t *testing.T) {
		assertRefused(t, RedisConfig{URL: "redis://" + addr}, "NOAUTH", "")
	})
}

// A user holding only ACLRule works, and is refused everything else.
func TestRedisACLUser(t *testing.T) {
	const secret = "acl-S3cret-7Q"
	rule := ACLRule("socket.io")
	srv := redistest.Start(t, redistest.Config{Users: []string{"default off", "sidecast on >" + secret + " " + rule}})
	var logs syncbuf.Buffer
	rc := RedisConfig{URL: "redis://sidecast@" + srv.Addr(), Password: secret}
	t.Run("works", func(t *testing.T) { assertWorks(t, rc) })
	t.Run("nothing more", func(t *testing.T) {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr(), Username: "sidecast", Password: secret, Protocol: 2, DisableIdentity: true})
		t.Cleanup(func() { c.Close() })
		ctx := context.Background()
		refused := []struct {
			name string
			cmd  []any
		}{
			{"KEYS", []any{"keys", "*"}},
			{"SCAN", []any{"scan", "0"}},
			{"GET own key", []any{"get", "socket.io:sidecast:x"}},
			{"SET foreign key", []any{"set", "other:key", "v"}},
			{"DEL native adapter key", []any{"del", "socket.io#/#"}},
			{"PUBLISH native adapter channel", []any{"publish", "socket.io#/#", "x"}},
			{"PUBLISH foreign channel", []any{"publish", "other", "x"}},
			{"PSUBSCRIBE", []any{"psubscribe", "socket.io:sidecast:*"}},
			{"FLUSHALL", []any{"flushall"}},
			{"CONFIG", []any{"config", "get", "*"}},
			{"EVAL", []any{"eval", "return 1", "0"}},
		}
		for _, tc := range refused {
			err := c.Do(ctx, tc.cmd...).Err()
			if err == nil || !strings.Contains(err.Error(), "NOPERM") {
				t.Errorf("%s: got %v, want NOPERM", tc.name, err)
			}
		}
		if err := c.Do(ctx, "publish", "socket.io:sidecast:node:x", "m").Err(); err != nil {
			t.Errorf("own channel refused: %v", err)
		}
	})
	if strings.Contains(logs.String(), "NOPERM") {
		t.Fatalf("the bus sent a command its ACL refuses:\n%s", logs.String())
	}
}

// The README quotes the rule from doc.go; keep doc.go in step with ACLRule.
func TestACLRuleDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	want := "ACL SETUSER sidecast on >PASSWORD " + ACLRule("socket.io")
	if !strings.Contains(string(doc), want) {
		t.Fatalf("doc.go does not quote the ACL rule:\n%s", want)
	}
}

func TestRedisTLS(t *testing.T) {
	certs := redistest.GenerateCerts(t)
	srv := redistest.Start(t, redistest.Config{TLS: certs})
	no := false
	t.Run("rediss URL with CA", func(t *testing.T) {
		assertWorks(t, RedisConfig{URL: srv.URL(), TLSCAFile: certs.CAFile, KeyPrefix: "tls1"})
	})
	t.Run("REDIS_TLS with host and port", func(t *testing.T) {
		assertWorks(t, RedisConfig{Host: "127.0.0.1", Port: srv.Port(), TLS: true, TLSCAFile: certs.CAFile, KeyPrefix: "tls2"})
	})
	t.Run("unknown CA is refused", func(t *testing.T) {
		assertRefused(t, RedisConfig{URL: srv.URL(), TLSCAFile: certs.OtherCAFile}, "certificate signed by unknown authority", "")
	})
	t.Run("system roots refuse a private CA", func(t *testing.T) {
		assertRefused(t, RedisConfig{URL: srv.URL()}, "x509", "")
	})
	t.Run("plain client against TLS server", func(t *testing.T) {
		assertRefused(t, RedisConfig{URL: "redis://" + srv.Addr(), RequestTimeout: 500 * time.Millisecond}, "", "")
	})
	t.Run("verification off is an explicit, logged opt-out", func(t *testing.T) {
		var logs syncbuf.Buffer
		rc := RedisConfig{URL: srv.URL(), TLSCAFile: certs.OtherCAFile, TLSRejectUnauthorized: &no, KeyPrefix: "tls3"}
		if _, err := rc.Options(testLogger(&logs)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "NOT verified") {
			t.Fatalf("no warning logged: %q", logs.String())
		}
		assertWorks(t, rc)
	})
}

func TestRedisMutualTLS(t *testing.T) {
	certs := redistest.GenerateCerts(t)
	srv := redistest.Start(t, redistest.Config{TLS: certs, ClientAuth: true})
	t.Run("client certificate", func(t *testing.T) {
		assertWorks(t, RedisConfig{URL: srv.URL(), TLSCAFile: certs.CAFile, TLSCertFile: certs.ClientCert, TLSKeyFile: certs.ClientKey})
	})
	t.Run("no client certificate", func(t *testing.T) {
		var logs syncbuf.Buffer
		cfg := fastConfig("node-x")
		cfg.Logger = testLogger(&logs)
		b := redisBus(t, cfg, RedisConfig{URL: srv.URL(), TLSCAFile: certs.CAFile})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := b.Check(ctx)
		if err == nil {
			t.Fatal("connected without a client certificate")
		}
		t.Logf("refused as expected: %v", err)
		if errors.Is(err, ErrConfig) {
			t.Fatal("a refused handshake must not look like a configuration error")
		}
	})
}

// Check names the command a too-narrow ACL refuses.
func TestRedisCheckNamesMissingPermission(t *testing.T) {
	const secret = "chk-S3cret"
	full := ACLRule("socket.io")
	cases := []struct {
		name, rule, want string
	}{
		{"full rule", full, ""},
		{"no sadd", strings.Replace(full, " +sadd", "", 1), "SADD"},
		{"no publish", strings.Replace(full, " +publish", "", 1), "PUBLISH"},
		{"foreign key pattern", strings.Replace(full, "~socket.io:sidecast:*", "~other:*", 1), "SET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t, redistest.Config{Users: []string{"default off", "sidecast on >" + secret + " " + tc.rule}})
			b := redisBus(t, fastConfig("node-a"), RedisConfig{URL: srv.URL(), Username: "sidecast", Password: secret})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := b.Check(ctx)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check with the full rule: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), tc.want+" refused") {
				t.Fatalf("Check = %v, want ErrPermission naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatal("secret in error")
			}
			t.Logf("%v", err)
		})
	}
}
