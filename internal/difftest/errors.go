package difftest

import "errors"

var (
	// ErrTimeout is wrapped by every wait that ran out of time.
	ErrTimeout = errors.New("difftest: condition not met in time")
	// ErrPeerExited is returned when the Node peer process ended early.
	ErrPeerExited = errors.New("difftest: peer process exited")
	// ErrUnknownClient is returned by a script step naming a client it never opened.
	ErrUnknownClient = errors.New("difftest: unknown client")
)
