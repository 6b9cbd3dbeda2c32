package e2e

import (
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/ops"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestRedisMetrics: over a real redis-server, redis_operation_duration_seconds
// counts real round trips (self-check probes and publish pipelines), and
// /admin/redis-metrics reports the bus without the password.
func TestRedisMetrics(t *testing.T) {
	const password = "hist0gram-pw"
	rs := redistest.Start(t, redistest.Config{Password: password})
	chat := startChat(t)
	on := startOpsNode(t, map[string]string{"BACKEND_URL": chat.URL, "ADMIN_TOKEN": "redis-metrics-token",
		"REDIS_URL": "redis://:" + password + "@" + rs.Addr(), "HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "1s"})
	const (
		selfcheck = `redis_operation_duration_seconds_count{operation="selfcheck"}`
		publish   = `redis_operation_duration_seconds_count{operation="publish"}`
	)
	testkit.WaitUntil(t, procWait, "round trips observed", func() bool {
		m := scrape(t, on.ops)
		return m[selfcheck] > 0 && m[publish] > 0 && m["sidecast_redis_up"] == 1
	})
	m := scrape(t, on.ops)
	sum := m[`redis_operation_duration_seconds_sum{operation="selfcheck"}`]
	if sum <= 0 || sum/m[selfcheck] > 5 {
		t.Fatalf("selfcheck round trips: count %v sum %vs", m[selfcheck], sum)
	}
	t.Logf("selfcheck: %v round trips, mean %.3fms; publish: %v batches", m[selfcheck], 1000*sum/m[selfcheck], m[publish])

	var rm ops.RedisMetrics
	decodeAdmin(t, on.ops+"/admin/redis-metrics", "redis-metrics-token", &rm)
	if !rm.Enabled || !rm.Connected || !rm.Healthy || rm.Published == 0 || rm.SelfChecksOK == 0 || rm.Address == "" {
		t.Fatalf("/admin/redis-metrics = %+v", rm)
	}
	code, body := get(t, on.ops+"/admin/redis-metrics", "redis-metrics-token")
	if code != 200 || strings.Contains(body, password) {
		t.Fatalf("/admin/redis-metrics %d shows the password: %s", code, body)
	}
	if h, _ := getHealth(on.base); h["redis"] != true || h["status"] != "ok" {
		t.Fatalf("health over Redis = %v", h)
	}
}
