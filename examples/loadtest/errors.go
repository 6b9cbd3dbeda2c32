package main

import "errors"

var (
	errBadFlag      = errors.New("loadtest: bad flag")
	errRefused      = errors.New("loadtest: server refused the handshake")
	errClosed       = errors.New("loadtest: connection closed by the server")
	errUnexpected   = errors.New("loadtest: unexpected frame")
	errSetupTimeout = errors.New("loadtest: connect and join did not finish in time")
)
