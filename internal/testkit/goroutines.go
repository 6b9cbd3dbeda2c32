package testkit

import (
	"fmt"
	"runtime"
	"time"
)

// NoLeakedGoroutines polls until no more goroutines run than base (a count
// taken before the code under test started any), and returns an error
// with every goroutine's stack when some still run after within: each
// goroutine has an owner that must stop it and wait for it.
func NoLeakedGoroutines(base int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			return fmt.Errorf("goroutines leaked: %d running, %d at start\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		time.Sleep(pollEvery) // polling a condition with a deadline
	}
	return nil
}
