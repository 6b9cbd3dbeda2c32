package fanout

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestMain routes go-redis's own logging away from stderr and, after the
// tests, checks that every goroutine a bus or registry started has ended:
// each has an owner that stops and waits for it.
func TestMain(m *testing.M) {
	RouteRedisLogs(testLogger(nil))
	flag.Parse()
	// The fuzzing engine leaves its own signal goroutine running: the
	// leak check is for the ordinary tests.
	fuzzing := flag.Lookup("test.fuzz").Value.String() != ""
	base := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 && !fuzzing {
		if err := testkit.NoLeakedGoroutines(base, 10*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}
