package ops

import "errors"

// ErrUnhealthy: `sidecast healthcheck` got an answer other than 200.
var ErrUnhealthy = errors.New("unhealthy")

// ErrDrainTimeout: DRAIN_TIMEOUT passed with client sessions still open;
// the process exits 1.
var ErrDrainTimeout = errors.New("drain timed out")
