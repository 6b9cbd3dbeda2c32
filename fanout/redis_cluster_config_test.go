package fanout

import (
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestRedisClusterConfig(t *testing.T) {
	cases := []struct {
		name    string
		cfg     RedisConfig
		cluster bool
		seeds   []string
		user    string
		pw      string
		tls     bool
		errVar  string // the variable a *ConfigError names, "" for success
	}{
		{name: "one node", cfg: RedisConfig{URL: "redis://h1:7000"}, cluster: false},
		{name: "REDIS_CLUSTER with one seed", cfg: RedisConfig{URL: "redis://h1:7000", Cluster: true}, cluster: true, seeds: []string{"h1:7000"}},
		{name: "seed list in the URL", cfg: RedisConfig{URL: "redis://u:p@h1:7000,h2:7001,redis://h3:7002"}, cluster: true,
			seeds: []string{"h1:7000", "h2:7001", "h3:7002"}, user: "u", pw: "p"},
		{name: "comma inside the password", cfg: RedisConfig{URL: "redis://u:a,b@h1:7000,h2:7001"}, cluster: true,
			seeds: []string{"h1:7000", "h2:7001"}, user: "u", pw: "a,b"},
		{name: "rediss seeds", cfg: RedisConfig{URL: "rediss://h1:7000,rediss://h2:7001", TLSRejectUnauthorized: ptr(false)}, cluster: true,
			seeds: []string{"h1:7000", "h2:7001"}, tls: true},
		{name: "REDIS_CLUSTER_NODES alone", cfg: RedisConfig{ClusterNodes: []string{"h1:7000", "[::1]:7001"}, Password: "pw"}, cluster: true,
			seeds: []string{"h1:7000", "[::1]:7001"}, pw: "pw"},
		{name: "URL and REDIS_CLUSTER_NODES", cfg: RedisConfig{URL: "redis://h1:7000", ClusterNodes: []string{"h2:7001"}}, cluster: true,
			seeds: []string{"h1:7000", "h2:7001"}},
		{name: "REDIS_HOST with REDIS_CLUSTER", cfg: RedisConfig{Host: "h9", Port: 7009, Cluster: true}, cluster: true, seeds: []string{"h9:7009"}},
		{name: "database in cluster mode", cfg: RedisConfig{URL: "redis://h1:7000/2,h2:7001"}, cluster: true, errVar: "REDIS_URL"},
		{name: "bad seed", cfg: RedisConfig{URL: "redis://h1:7000,h2"}, cluster: true, errVar: "REDIS_URL"},
		{name: "bad seed port", cfg: RedisConfig{ClusterNodes: []string{"h2:0"}}, cluster: true, errVar: "REDIS_CLUSTER_NODES"},
		{name: "credentials on a later seed", cfg: RedisConfig{URL: "redis://h1:7000,redis://u:p@h2:7001"}, cluster: true, errVar: "REDIS_URL"},
		{name: "mixed schemes", cfg: RedisConfig{URL: "rediss://h1:7000,redis://h2:7001"}, cluster: true, errVar: "REDIS_URL"},
		{name: "URL scheme in REDIS_CLUSTER_NODES", cfg: RedisConfig{ClusterNodes: []string{"redis://h2:7001"}}, cluster: true, errVar: "REDIS_CLUSTER_NODES"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cfg.ClusterMode(); got != tc.cluster {
				t.Fatalf("ClusterMode = %v, want %v", got, tc.cluster)
			}
			if !tc.cluster {
				return
			}
			co, err := tc.cfg.ClusterOptions(testLogger(nil))
			if tc.errVar != "" {
				var ce *ConfigError
				if !errors.As(err, &ce) || ce.Var != tc.errVar {
					t.Fatalf("err = %v, want a ConfigError naming %s", err, tc.errVar)
				}
				if strings.Contains(err.Error(), ":p@") || strings.Contains(err.Error(), "u:p") {
					t.Fatalf("error shows credentials: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(co.Addrs, tc.seeds) || co.Username != tc.user || co.Password != tc.pw || (co.TLSConfig != nil) != tc.tls {
				t.Fatalf("options: seeds %v user %q pw %q tls %v", co.Addrs, co.Username, co.Password, co.TLSConfig != nil)
			}
			if co.MaxRetries != -1 || co.MaxRedirects != -1 {
				t.Fatalf("retries %d, redirects %d: a retried publish could arrive twice", co.MaxRetries, co.MaxRedirects)
			}
		})
	}
}

// Each cluster node's certificate is checked against that node's name.
func TestRedisClusterTLSServerNamePerNode(t *testing.T) {
	co, err := RedisConfig{URL: "rediss://seed.example:7000,other.example:7001"}.ClusterOptions(testLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"node-1.example:7000", "10.0.0.7:7001"} {
		c := co.NewClient(&redis.Options{Addr: addr, TLSConfig: co.TLSConfig})
		tc := c.Options().TLSConfig
		_ = c.Close()
		host, _, _ := strings.Cut(addr, ":")
		if tc == nil || tc.ServerName != host {
			t.Fatalf("node %s: TLS server name %v", addr, tc)
		}
	}
	if co.TLSConfig.ServerName != "seed.example" {
		t.Fatalf("the shared TLS config was changed: %q", co.TLSConfig.ServerName)
	}
}

func ptr[T any](v T) *T { return &v }

// FuzzRedisClusterURL: any REDIS_URL seed list either gives seeds that are
// all host:port or a *ConfigError, and no error shows the password.
func FuzzRedisClusterURL(f *testing.F) {
	f.Add("user", "Sup3rS3cret", "h1:7000,h2:7001")
	f.Add("", "pw,with,commas", "h1:7000,redis://h2:1")
	f.Add("u", "p4ssw0rd", "h1:7000/1,rediss://x@h3:2")
	f.Fuzz(func(t *testing.T, user, pass, rest string) {
		if len(pass) < 4 {
			return
		}
		raw := "redis://" + user + ":" + pass + "@" + rest
		if strings.Contains("redis://"+user+":@"+rest, pass) {
			return // the "password" also appears elsewhere in the value
		}
		co, err := RedisConfig{URL: raw, Cluster: true}.ClusterOptions(testLogger(nil))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a ConfigError", err)
			}
			if strings.Contains(err.Error(), pass) {
				t.Fatalf("error for %q shows the password: %v", raw, err)
			}
			return
		}
		for _, a := range co.Addrs {
			if _, _, err := net.SplitHostPort(a); err != nil {
				t.Fatalf("seed %q from %q: %v", a, raw, err)
			}
		}
	})
}
