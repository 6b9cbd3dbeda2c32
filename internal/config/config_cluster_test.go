package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestRedisClusterSettings: REDIS_CLUSTER, REDIS_CLUSTER_NODES and a seed
// list in REDIS_URL choose the Redis bus in cluster mode and are checked at
// start-up like every REDIS_* value.
func TestRedisClusterSettings(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		seeds    []string
		describe string
		errVar   string
		errText  string
	}{
		{name: "seed list in REDIS_URL", env: map[string]string{"REDIS_URL": "redis://app:pw@10.0.0.1:7000,10.0.0.2:7000"},
			seeds: []string{"10.0.0.1:7000", "10.0.0.2:7000"}, describe: "cluster redis://app@10.0.0.1:7000,10.0.0.2:7000"},
		{name: "REDIS_CLUSTER_NODES alone enables Redis", env: map[string]string{"REDIS_CLUSTER_NODES": "h1:7000, h2:7001", "REDIS_PASSWORD": "pw"},
			seeds: []string{"h1:7000", "h2:7001"}, describe: "cluster redis://h1:7000,h2:7001"},
		{name: "REDIS_CLUSTER with one endpoint", env: map[string]string{"REDIS_URL": "rediss://cfg.cache.example:6379", "REDIS_CLUSTER": "true"},
			seeds: []string{"cfg.cache.example:6379"}, describe: "cluster rediss://cfg.cache.example:6379"},
		{name: "not a boolean", env: map[string]string{"REDIS_CLUSTER": "yes please"}, errVar: "REDIS_CLUSTER", errText: "not a boolean"},
		{name: "bad seed", env: map[string]string{"REDIS_CLUSTER_NODES": "h1"}, errVar: "REDIS_CLUSTER_NODES", errText: "not host:port"},
		{name: "database in cluster mode", env: map[string]string{"REDIS_URL": "redis://h1:7000/3,h2:7000"}, errVar: "REDIS_URL", errText: "database 0 only"},
		{name: "credentials on a later seed stay hidden", env: map[string]string{"REDIS_URL": "redis://h1:7000,redis://u:Secr3tPw@h2:7000"},
			errVar: "REDIS_URL", errText: "only the first node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(tt.env)
			if tt.errVar != "" {
				var ce *Error
				if !errors.As(err, &ce) || ce.Var != tt.errVar || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("error %v, want one naming %s that says %q", err, tt.errVar, tt.errText)
				}
				if strings.Contains(err.Error(), "Secr3tPw") {
					t.Fatalf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !cfg.Bus.Redis || !cfg.Redis.ClusterMode() {
				t.Fatalf("bus %+v, cluster mode %v", cfg.Bus, cfg.Redis.ClusterMode())
			}
			co, err := cfg.Redis.ClusterOptions(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(co.Addrs, tt.seeds) || cfg.RedisShown != tt.describe {
				t.Fatalf("seeds %v, shown %q", co.Addrs, cfg.RedisShown)
			}
		})
	}
}
