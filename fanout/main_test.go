package fanout

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
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
		if err := noLeakedGoroutines(base); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func noLeakedGoroutines(base int) error {
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			return fmt.Errorf("goroutines leaked: %d running, %d at start\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
	return nil
}
