package proxy

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by calls on a closed Server or session leg.
	ErrClosed = errors.New("proxy: closed")
	// ErrQueueFull means a leg's bounded write queue would overflow: the peer on
	// that leg reads too slowly.
	ErrQueueFull = errors.New("proxy: write queue full")
	// ErrLegBroken means writing to a leg's socket failed.
	ErrLegBroken = errors.New("proxy: connection broken")
	// ErrBadBackend is returned by New for a missing or unusable Backend URL.
	ErrBadBackend = errors.New("proxy: bad backend URL")
	// ErrBadConfig is returned by New for an invalid limit.
	ErrBadConfig = errors.New("proxy: bad configuration")
	// ErrUnsupportedProtocol is returned by New for a Protocol it cannot serve yet.
	ErrUnsupportedProtocol = errors.New("proxy: protocol not supported")
	// ErrTooManyConnections is returned by RelayWebSocket past MaxConnections.
	ErrTooManyConnections = errors.New("proxy: too many connections")
)

// errOwnQueueFull means a leg could not queue an answer (a pong) to its own
// peer: that peer, not the other side, reads too slowly. It wraps ErrQueueFull
// so owners that only know ErrQueueFull still close the session.
var errOwnQueueFull = fmt.Errorf("%w: answering the leg's own peer", ErrQueueFull)
