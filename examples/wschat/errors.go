package wschat

import "errors"

// ErrClosed is returned by Serve-side helpers once Close has been called, and
// answered as HTTP 503 to upgrades that arrive after it.
var ErrClosed = errors.New("wschat: server closed")

// errQueueFull closes a connection whose client does not read fast enough:
// the server drops it rather than let one slow reader grow memory.
var errQueueFull = errors.New("wschat: write queue full")
