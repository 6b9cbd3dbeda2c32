package fanout

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	RouteRedisLogs(testLogger(nil))
	os.Exit(m.Run())
}
