package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRedisResolution(t *testing.T) {
	type want struct {
		redis                bool
		addr, user, pass     string
		db                   int
		tls                  bool
		serverName, describe string
	}
	tests := []struct {
		name string
		env  map[string]string
		want want
	}{
		{"nothing set: memory bus", map[string]string{}, want{}},
		{"full URL", map[string]string{"REDIS_URL": "rediss://user:pw@cache.example:6380/2"},
			want{true, "cache.example:6380", "user", "pw", 2, true, "cache.example", "rediss://user@cache.example:6380/2"}},
		{"azure: URL plus REDIS_PASSWORD", map[string]string{"REDIS_URL": "rediss://c.redis.cache.windows.net:6380", "REDIS_PASSWORD": "key"},
			want{true, "c.redis.cache.windows.net:6380", "", "key", 0, true, "c.redis.cache.windows.net", "rediss://c.redis.cache.windows.net:6380/0"}},
		{"URL wins over the parts", map[string]string{"REDIS_URL": "redis://u:p@h", "REDIS_PASSWORD": "other", "REDIS_USERNAME": "x", "REDIS_HOST": "elsewhere", "REDIS_PORT": "7000"},
			want{true, "h:6379", "u", "p", 0, false, "", "redis://u@h:6379/0"}},
		{"username fills a URL without one", map[string]string{"REDIS_URL": "redis://:pw@h:1", "REDIS_USERNAME": "acl"},
			want{true, "h:1", "acl", "pw", 0, false, "", "redis://acl@h:1/0"}},
		{"host and port", map[string]string{"REDIS_HOST": "10.0.0.5", "REDIS_PORT": "6390", "REDIS_PASSWORD": "s"},
			want{true, "10.0.0.5:6390", "", "s", 0, false, "", "redis://10.0.0.5:6390/0"}},
		{"REDIS_TLS turns TLS on for a redis:// URL", map[string]string{"REDIS_URL": "redis://h", "REDIS_TLS": "true"},
			want{true, "h:6379", "", "", 0, true, "h", "rediss://h:6379/0"}},
		{"REDIS_ENABLED=false forces memory", map[string]string{"REDIS_URL": "redis://h", "REDIS_ENABLED": "false"}, want{}},
		{"REDIS_ENABLED=true alone", map[string]string{"REDIS_ENABLED": "true"},
			want{true, "127.0.0.1:6379", "", "", 0, false, "", "redis://127.0.0.1:6379/0"}},
		{"IPv6 host", map[string]string{"REDIS_URL": "redis://[::1]:7001/3"},
			want{true, "[::1]:7001", "", "", 3, false, "", "redis://[::1]:7001/3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, tt.env)
			got := want{redis: cfg.Bus.Redis, describe: cfg.RedisShown}
			if cfg.Bus.Redis {
				o, err := cfg.Redis.Options(nil)
				if err != nil {
					t.Fatal(err)
				}
				got.addr, got.user, got.pass, got.db, got.tls = o.Addr, o.Username, o.Password, o.DB, o.TLSConfig != nil
				if o.TLSConfig != nil {
					got.serverName = o.TLSConfig.ServerName
				}
			}
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestSecretsNeverEchoed: no error message or description shows a password.
func TestSecretsNeverEchoed(t *testing.T) {
	const secret = "Sup3rS3cret"
	tests := []map[string]string{
		{"REDIS_URL": "redis://u:" + secret + "@h:99999"},
		{"REDIS_URL": "redis://u:" + secret + "@h/x"},
		{"REDIS_URL": "http://u:" + secret + "@h"},
		{"REDIS_URL": "redis://u:" + secret + "@h?x=1"},
		{"REDIS_URL": "redis://u:" + secret + "%zz@h"},
		{"REDIS_URL": "redis://u:" + secret + "@[::1"},
		{"REDIS_URL": "redis://u:" + secret + "@h\x7f"},
		{"REDIS_PASSWORD": secret, "SERVER_PORT": "x"},
		{"BACKEND_URL": "ftp://u:" + secret + "@h"},
		{"BACKEND_URL": "http://u:" + secret + "@h"},
	}
	for _, env := range tests {
		t.Run(fmtEnv(env), func(t *testing.T) {
			_, err := Load(env)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
	cfg := mustLoad(t, map[string]string{"REDIS_URL": "redis://u:" + secret + "@h"})
	if strings.Contains(cfg.RedisShown, secret) {
		t.Fatalf("the description shows the secret: %s", cfg.RedisShown)
	}
}

// writePKI writes a CA and a client certificate and key signed by it.
func writePKI(t *testing.T) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caTmpl, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(leafKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, cert, key = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	writePEM(t, ca, "CERTIFICATE", caDER)
	writePEM(t, cert, "CERTIFICATE", leafDER)
	writePEM(t, key, "EC PRIVATE KEY", keyDER)
	return ca, cert, key
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRedisTLSFiles(t *testing.T) {
	ca, cert, key := writePKI(t)
	_, _, otherKey := writePKI(t)
	notPEM := filepath.Join(t.TempDir(), "junk")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("mutual TLS", func(t *testing.T) {
		c := tlsOf(t, map[string]string{"REDIS_URL": "rediss://r:6380", "REDIS_TLS_CA": ca, "REDIS_TLS_CERT": cert, "REDIS_TLS_KEY": key})
		if c == nil || c.RootCAs == nil || len(c.Certificates) != 1 || c.InsecureSkipVerify || c.ServerName != "r" {
			t.Fatalf("TLS config %+v", c)
		}
	})
	t.Run("reject unauthorized off", func(t *testing.T) {
		c := tlsOf(t, map[string]string{"REDIS_URL": "rediss://r", "REDIS_TLS_REJECT_UNAUTHORIZED": "false"})
		if !c.InsecureSkipVerify {
			t.Fatal("REDIS_TLS_REJECT_UNAUTHORIZED=false did not disable verification")
		}
	})
	bad := []struct {
		name    string
		env     map[string]string
		wantVar string
	}{
		{"CA is not PEM", map[string]string{"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CA": notPEM}, "REDIS_TLS_CA"},
		{"key is not a key", map[string]string{"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CERT": cert, "REDIS_TLS_KEY": notPEM}, "REDIS_TLS_CERT"},
		{"cert is not a certificate", map[string]string{"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CERT": notPEM, "REDIS_TLS_KEY": key}, "REDIS_TLS_CERT"},
		{"cert and key do not match", map[string]string{"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CERT": cert, "REDIS_TLS_KEY": otherKey}, "REDIS_TLS_CERT"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.env)
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantVar+":") {
				t.Fatalf("got %v, want an error naming %s", err, tt.wantVar)
			}
		})
	}
}

// tlsOf loads env and returns the TLS configuration the Redis bus would use.
func tlsOf(t *testing.T, env map[string]string) *tls.Config {
	t.Helper()
	o, err := mustLoad(t, env).Redis.Options(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if o.TLSConfig == nil {
		t.Fatal("TLS is off")
	}
	return o.TLSConfig
}

// FuzzRedisURL: whatever REDIS_URL holds, an error never shows its password.
func FuzzRedisURL(f *testing.F) {
	f.Add("user", "Sup3rS3cret", "host:6379/0")
	f.Add("", "pw%zz", "h")
	f.Add("u", "p4ssw0rd", "[::1")
	f.Fuzz(func(t *testing.T, user, pass, rest string) {
		if len(pass) < 4 {
			return
		}
		raw := "redis://" + user + ":" + pass + "@" + rest
		if strings.Contains("redis://"+user+":@"+rest, pass) {
			return // the "password" also appears elsewhere in the value
		}
		_, err := Load(map[string]string{"REDIS_URL": raw})
		if err != nil && strings.Contains(err.Error(), pass) {
			t.Fatalf("error for %q shows the password: %v", raw, err)
		}
	})
}
