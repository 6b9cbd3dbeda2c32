// Package wsframe is sidecast's RFC 6455 frame codec: it parses frames out of
// caller-owned byte slices without allocating, validates them for one side of a
// connection, reassembles fragmented messages, and encodes frames as a server
// (unmasked) or as a client (masked with a fresh key).
//
// Data flow: a connection's reader hands every chunk of bytes it read to
// (*Decoder).Feed. Feed parses whole frames in place (unmasking payloads in the
// caller's slice) and calls the Handler once per whole message and once per
// control frame. Bytes of a frame that is not complete yet, and the payload of a
// fragmented message, are kept in pooled buffers owned by the Decoder; an idle
// Decoder (no partial frame, no open fragmented message) holds no buffer.
//
// Concurrency: a Decoder belongs to one reader at a time; the encoders are pure
// functions. Nothing here starts a goroutine.
package wsframe
