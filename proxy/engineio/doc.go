// Package engineio is the Engine.IO v4 wire codec: packet types, the open
// (handshake) packet, the HTTP long-polling payload and the JSON error bodies
// an Engine.IO server answers with.
//
// Data flow: the proxy hands this package whole websocket messages or whole
// polling request bodies; ParsePacket and PayloadDecoder split them into
// Packets whose Data aliases the caller's buffer (base64 "b" packets are
// decoded in place), and AppendPacket / AppendPayloadPacket encode into a
// caller-supplied slice. Nothing here allocates in steady state, and nothing
// here starts a goroutine or keeps state between calls except the decoder's
// cursor, which belongs to the single goroutine that owns the decoder.
package engineio
