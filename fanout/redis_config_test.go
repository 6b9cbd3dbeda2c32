package fanout

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/syncbuf"
)

const testSecret = "Sup3r-S3cret-pw"

func TestRedisConfigOptions(t *testing.T) {
	certs := redistest.GenerateCerts(t)
	type want struct {
		addr, user, password string
		db                   int
		tls                  bool
	}
	cases := []struct {
		name string
		cfg  RedisConfig
		want want
	}{
		{"zero value", RedisConfig{}, want{addr: "127.0.0.1:6379"}},
		{"host and port", RedisConfig{Host: "redis.internal", Port: 6380, Username: "u", Password: testSecret, DB: 2},
			want{addr: "redis.internal:6380", user: "u", password: testSecret, db: 2}},
		{"URL wins over host and port", RedisConfig{URL: "redis://r1:7000/3", Host: "ignored", Port: 1, DB: 5},
			want{addr: "r1:7000", db: 3}},
		{"URL default port", RedisConfig{URL: "redis://r1"}, want{addr: "r1:6379"}},
		{"URL credentials win", RedisConfig{URL: "redis://alice:" + testSecret + "@r1:7000", Username: "bob", Password: "other"},
			want{addr: "r1:7000", user: "alice", password: testSecret}},
		{"password fills what URL lacks", RedisConfig{URL: "redis://alice@r1:7000", Password: testSecret},
			want{addr: "r1:7000", user: "alice", password: testSecret}},
		{"username and password fill URL without userinfo", RedisConfig{URL: "redis://r1", Username: "default", Password: testSecret},
			want{addr: "r1:6379", user: "default", password: testSecret}},
		{"password-only URL keeps the username setting", RedisConfig{URL: "redis://:" + testSecret + "@r1", Username: "u"},
			want{addr: "r1:6379", user: "u", password: testSecret}},
		{"rediss turns TLS on", RedisConfig{URL: "rediss://cache.example:6380", TLSCAFile: certs.CAFile},
			want{addr: "cache.example:6380", tls: true}},
		{"REDIS_TLS turns TLS on", RedisConfig{Host: "h", TLS: true}, want{addr: "h:6379", tls: true}},
		{"mutual TLS files", RedisConfig{URL: "rediss://h", TLSCAFile: certs.CAFile, TLSCertFile: certs.ClientCert, TLSKeyFile: certs.ClientKey},
			want{addr: "h:6379", tls: true}},
		{"IPv6 host", RedisConfig{URL: "redis://[::1]:7001"}, want{addr: "[::1]:7001"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt, err := tc.cfg.Options(testLogger(nil))
			if err != nil {
				t.Fatalf("Options: %v", err)
			}
			got := want{opt.Addr, opt.Username, opt.Password, opt.DB, opt.TLSConfig != nil}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if opt.TLSConfig != nil && opt.TLSConfig.InsecureSkipVerify {
				t.Fatal("verification off without an explicit opt-out")
			}
			if opt.ReadTimeout != 5*time.Second || opt.MaxRetries != -1 {
				t.Fatalf("timeouts/retries: %v %d", opt.ReadTimeout, opt.MaxRetries)
			}
		})
	}
}

func TestRedisConfigErrors(t *testing.T) {
	certs := redistest.GenerateCerts(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		cfg     RedisConfig
		wantVar string
	}{
		{"unparsable URL", RedisConfig{URL: "redis://user:" + testSecret + "%zz@h:1"}, "REDIS_URL"},
		{"bad scheme", RedisConfig{URL: "http://user:" + testSecret + "@h"}, "REDIS_URL"},
		{"bad port", RedisConfig{URL: "redis://:" + testSecret + "@h:99999"}, "REDIS_URL"},
		{"no host", RedisConfig{URL: "redis://:" + testSecret + "@:1"}, "REDIS_URL"},
		{"bad db", RedisConfig{URL: "redis://:" + testSecret + "@h/abc"}, "REDIS_URL"},
		{"port out of range", RedisConfig{Port: 70000, Password: testSecret}, "REDIS_PORT"},
		{"missing CA file", RedisConfig{URL: "rediss://h", TLSCAFile: missing, Password: testSecret}, "REDIS_TLS_CA"},
		{"CA file without PEM", RedisConfig{URL: "rediss://h", TLSCAFile: notPEM}, "REDIS_TLS_CA"},
		{"cert without key", RedisConfig{URL: "rediss://h", TLSCertFile: certs.ClientCert}, "REDIS_TLS_KEY"},
		{"key without cert", RedisConfig{URL: "rediss://h", TLSKeyFile: certs.ClientKey}, "REDIS_TLS_CERT"},
		{"unreadable key", RedisConfig{URL: "rediss://h", TLSCertFile: certs.ClientCert, TLSKeyFile: missing}, "REDIS_TLS_KEY"},
		{"TLS files with TLS off", RedisConfig{URL: "redis://h", TLSCAFile: certs.CAFile}, "REDIS_TLS"},
		{"bad key prefix", RedisConfig{KeyPrefix: "a#b"}, "REDIS_ADAPTER_KEY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			_, err := tc.cfg.Options(testLogger(&logs))
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v, want a *ConfigError", err)
			}
			if ce.Var != tc.wantVar || !strings.HasPrefix(err.Error(), tc.wantVar+": ") {
				t.Fatalf("error %q names %s, want %s", err, ce.Var, tc.wantVar)
			}
			if strings.Contains(err.Error(), testSecret) || strings.Contains(logs.String(), testSecret) {
				t.Fatalf("secret in error or log: %q", err)
			}
			// NewRedisBus refuses the same configuration with the same error.
			if _, berr := NewRedisBus(fastConfig("n"), tc.cfg); !errors.Is(berr, ErrConfig) {
				t.Fatalf("NewRedisBus: %v", berr)
			}
		})
	}
}

func TestValidateNames(t *testing.T) {
	for _, p := range []string{"socket.io", "app:prod", "my-app_1/x"} {
		if err := ValidateKeyPrefix(p); err != nil {
			t.Errorf("prefix %q: %v", p, err)
		}
	}
	for _, p := range []string{"", "a b", "a#", "{x}", "a*", "a?", "a[1]", `a\b`, "é"} {
		if err := ValidateKeyPrefix(p); !errors.Is(err, ErrBadKeyPrefix) {
			t.Errorf("prefix %q: %v, want ErrBadKeyPrefix", p, err)
		}
	}
	for _, id := range []string{"a", "node-1", "pod_7.abc", strings.Repeat("x", 64)} {
		if err := ValidateNodeID(id); err != nil {
			t.Errorf("node id %q: %v", id, err)
		}
	}
}

// FuzzRedisURL: whatever REDIS_URL holds, an error never repeats any of it,
// so a password anywhere in a malformed URL cannot reach a log.
func FuzzRedisURL(f *testing.F) {
	for _, seed := range [][2]string{
		{"redis://user:", "@h:1"}, {"redis://h/:", "@x"}, {"", "@host"}, {"redis://:", "%zz@h"},
		{"http://u:", "@h"}, {"rediss://u:", "@h:99999/3"}, {"redis://[::1]:", "@h"}, {"redis://h#:", "@x"},
	} {
		f.Add(seed[0], seed[1])
	}
	const marker = "Zq9xKw"
	f.Fuzz(func(t *testing.T, before, after string) {
		raw := before + marker + after
		_, err := RedisConfig{URL: raw}.Options(testLogger(nil))
		if err != nil && strings.Contains(err.Error(), marker) {
			t.Fatalf("error repeats part of REDIS_URL %q: %v", raw, err)
		}
	})
}
