package proxy

import (
	"log/slog"
	"sync"
	"time"
)

// failureLog logs the backend failures of client requests (a refused dial,
// a failed upgrade or Engine.IO handshake, a plain request that got no
// answer) at most once per interval. While the backend is down every
// client's reconnect fails the same way, and a line each would flood the
// log at the clients' rate; the failures in between are counted, and the
// next line says how many there were. The requests' goroutines call warn;
// mu guards the rest.
type failureLog struct {
	log   *slog.Logger
	every time.Duration
	now   func() time.Time // time.Now; tests set their own clock

	mu   sync.Mutex
	next time.Time // no line before this
	held int       // failures not logged since the last line
}

func newFailureLog(log *slog.Logger, every time.Duration) *failureLog {
	return &failureLog{log: log, every: every, now: time.Now}
}

// warn logs msg with args, or counts it when a line went out less than
// every ago.
func (f *failureLog) warn(msg string, args ...any) {
	now := f.now()
	f.mu.Lock()
	if now.Before(f.next) {
		f.held++
		f.mu.Unlock()
		return
	}
	held := f.held
	f.held, f.next = 0, now.Add(f.every)
	f.mu.Unlock()
	if held > 0 {
		args = append(args, "more_failures_not_logged", held)
	}
	f.log.Warn(msg, args...)
}
