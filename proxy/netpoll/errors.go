package netpoll

import "errors"

var (
	// ErrClosed is returned by calls on a closed Poller.
	ErrClosed = errors.New("netpoll: poller closed")
	// ErrStale is returned by Arm and Remove for a Key whose registration is gone.
	ErrStale = errors.New("netpoll: stale registration")
	// ErrNoFD is returned by Add for a connection that exposes no descriptor.
	ErrNoFD = errors.New("netpoll: connection has no file descriptor")
)
