package proxy

import "errors"

// Errors that end one Engine.IO session; they never touch another session.
var (
	// errEIOClosed is returned for work on an Engine.IO session that has closed.
	errEIOClosed = errors.New("proxy: engine.io session closed")
	// errEIOProtocol is a packet the session's state does not allow.
	errEIOProtocol = errors.New("proxy: engine.io packet not allowed here")
	// errEIOBadOpen is a backend whose first message is not an open packet.
	errEIOBadOpen = errors.New("proxy: backend did not open an engine.io session")
	// errEIONotOpen is work the fan-out asks of a session whose backend
	// has not answered yet.
	errEIONotOpen = errors.New("proxy: engine.io session not open yet")
)
