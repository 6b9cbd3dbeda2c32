package sticky

import "errors"

// Sentinel errors.
var (
	// ErrBadSID: a session id is not one this cluster issued (wrong length,
	// alphabet or check bytes). Such a sid is served locally, where it is
	// unknown.
	ErrBadSID = errors.New("sticky: session id carries no valid node tag")
	// ErrBadSignature: a forwarded request's peer signature is missing,
	// malformed, stale or wrong.
	ErrBadSignature = errors.New("sticky: bad peer signature")
	// ErrBadCookie: a STICKY_COOKIE specification cannot be used.
	ErrBadCookie = errors.New("sticky: bad affinity cookie")
	// ErrBadAdvertise: an advertised URL cannot be used by peers.
	ErrBadAdvertise = errors.New("sticky: bad advertised URL")
	// ErrBadTrusted: a TRUSTED_PROXIES entry is not a CIDR or address.
	ErrBadTrusted = errors.New("sticky: bad trusted proxy range")
)
