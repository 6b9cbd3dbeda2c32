package fanout

import (
	"encoding/binary"
	"fmt"
)

// Version is the envelope format this build writes and the only one it reads.
const Version byte = 1

// MaxIDLen bounds a node id, a session id and each recipient id (one length byte).
const MaxIDLen = 255

// MaxPayload bounds an envelope's payload; larger frames are not bus material.
const MaxPayload = 64 << 20

// TagSize is the length of the authentication tag that follows the payload
// when FlagTag is set (an HMAC-SHA256 over every byte before the tag).
const TagSize = 32

// Envelope layout, version 1 (multi-byte integers big-endian):
//
//	off  size  field
//	0    1     version (=1)
//	1    1     kind
//	2    1     flags
//	3    1     sender node id length n (1..255)
//	4    n     sender node id
//	     8     sender boot epoch (uint64)
//	     1     session id length s (0..255; 0 for node-level kinds)
//	     s     session id
//	     8     per-session sequence number (uint64)
//	     [FlagRecipients] uvarint count c (>=1), uvarint byte length L,
//	           then c entries of (1 length byte 1..255, id bytes), L bytes in all
//	     uvarint payload length p (<= MaxPayload), then p payload bytes
//	     [FlagTag] TagSize tag bytes
//
// Nothing may follow; varints must be minimal, so every envelope has exactly
// one encoding and decode(encode(e)) == e byte for byte.

// Kind says what an envelope carries; the receiver dispatches on it.
type Kind byte

// Kinds of version 1. A new kind needs a new Version: older nodes refuse it.
const (
	// KindFrame: a frame a backend wrote to a mirror, relayed to the session's
	// home, which writes it to the client. Recipients lists the sessions when
	// one frame is coalesced for several sessions of the same home.
	KindFrame Kind = iota + 1
	// KindHandshake: home → peers, open a mirror with this handshake.
	KindHandshake
	// KindConnect: a namespace CONNECT to replay on every mirror.
	KindConnect
	// KindDisconnect: a namespace DISCONNECT to replay on every mirror.
	KindDisconnect
	// KindReplay: a membership event (MIRROR_EVENTS) to replay on mirrors.
	KindReplay
	// KindBarrierAck: peer → home, the packet with Seq is written to the mirror.
	KindBarrierAck
	// KindSessionClose: home → peers, the session ended; close its mirrors.
	KindSessionClose
	// KindKick: a backend disconnected a mirror; home ends the namespace.
	KindKick
	// KindAck: a client's ack, routed to the backend that asked for it.
	KindAck
	// KindResyncRequest: a receiver saw a sequence gap and asks home for the
	// session's handshake and membership log again.
	KindResyncRequest
	// KindSnapshotRequest: a late or lapsed node asks peers for every live session.
	KindSnapshotRequest
	// KindSnapshot: one session's handshake and membership log.
	KindSnapshot
	// KindHeartbeat: a node's presence (payload: advertised address). Stored
	// as the registry record and announced on the cluster channel.
	KindHeartbeat
	// KindLeave: a node leaves the cluster gracefully.
	KindLeave
	// KindSelfCheck: a probe a bus sends through its own subscription.
	KindSelfCheck

	kindEnd // one past the last kind of this version
)

var kindNames = [...]string{
	KindFrame: "frame", KindHandshake: "handshake", KindConnect: "connect",
	KindDisconnect: "disconnect", KindReplay: "replay", KindBarrierAck: "barrier-ack",
	KindSessionClose: "session-close", KindKick: "kick", KindAck: "ack",
	KindResyncRequest: "resync-request", KindSnapshotRequest: "snapshot-request",
	KindSnapshot: "snapshot", KindHeartbeat: "heartbeat", KindLeave: "leave",
	KindSelfCheck: "self-check",
}

// String names the kind for logs and metric labels.
func (k Kind) String() string {
	if k == 0 || k >= kindEnd {
		return fmt.Sprintf("kind(%d)", byte(k))
	}
	return kindNames[k]
}

// Flags are the envelope's flag bits.
type Flags byte

const (
	// FlagRecipients: a recipient list follows the sequence number. Encode
	// sets it from Envelope.Recipients; callers need not.
	FlagRecipients Flags = 1 << 0
	// FlagTag: a TagSize authentication tag ends the envelope. Reserved for
	// CLUSTER_SECRET: Append writes the tag bytes given (zeros if none) so a
	// signer can fill the last TagSize bytes over Signed().
	FlagTag Flags = 1 << 7

	knownFlags = FlagRecipients | FlagTag
)

// Envelope is one bus message. After Decode its byte fields alias the
// decoded buffer (no copy): they are valid only while that buffer is.
type Envelope struct {
	Kind       Kind
	Flags      Flags
	Sender     []byte // node id of the publisher
	Epoch      uint64 // publisher's boot epoch (e.g. start time in ns)
	Session    []byte // session id; empty for node-level kinds
	Seq        uint64 // per-session sequence number, set by its one publisher
	Recipients Recipients
	Payload    []byte
	Tag        []byte // TagSize bytes when FlagTag is set
	Raw        []byte // the whole encoded envelope (set by Decode)
}

// Reset clears e for reuse, keeping nothing that aliases an old buffer
// except the recipient list's capacity.
func (e *Envelope) Reset() {
	r := e.Recipients.Reset()
	*e = Envelope{Recipients: r}
}

// Size returns the encoded length of e.
func (e *Envelope) Size() int {
	n := 3 + 1 + len(e.Sender) + 8 + 1 + len(e.Session) + 8
	if e.Recipients.n > 0 {
		n += uvarintLen(uint64(e.Recipients.n)) + uvarintLen(uint64(len(e.Recipients.raw))) + len(e.Recipients.raw)
	}
	n += uvarintLen(uint64(len(e.Payload))) + len(e.Payload)
	if e.Flags&FlagTag != 0 {
		n += TagSize
	}
	return n
}

// Append encodes e onto dst and returns the extended slice. It checks the
// same limits Decode does, so nothing is written that peers would refuse.
func (e *Envelope) Append(dst []byte) ([]byte, error) {
	if err := e.validate(); err != nil {
		return dst, err
	}
	flags := e.Flags &^ FlagRecipients
	if e.Recipients.n > 0 {
		flags |= FlagRecipients
	}
	dst = append(dst, Version, byte(e.Kind), byte(flags), byte(len(e.Sender)))
	dst = append(dst, e.Sender...)
	dst = binary.BigEndian.AppendUint64(dst, e.Epoch)
	dst = append(dst, byte(len(e.Session)))
	dst = append(dst, e.Session...)
	dst = binary.BigEndian.AppendUint64(dst, e.Seq)
	if e.Recipients.n > 0 {
		dst = binary.AppendUvarint(dst, uint64(e.Recipients.n))
		dst = binary.AppendUvarint(dst, uint64(len(e.Recipients.raw)))
		dst = append(dst, e.Recipients.raw...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Payload)))
	dst = append(dst, e.Payload...)
	if flags&FlagTag != 0 {
		start := len(dst)
		dst = append(dst, make([]byte, TagSize)...)
		copy(dst[start:], e.Tag)
	}
	return dst, nil
}

func (e *Envelope) validate() error {
	switch {
	case e.Kind == 0 || e.Kind >= kindEnd:
		return fmt.Errorf("%w: %d", ErrUnknownKind, byte(e.Kind))
	case e.Flags&^knownFlags != 0:
		return fmt.Errorf("%w: %#x", ErrBadFlags, byte(e.Flags))
	case len(e.Sender) == 0:
		return fmt.Errorf("%w: empty sender", ErrMalformed)
	case len(e.Sender) > MaxIDLen || len(e.Session) > MaxIDLen:
		return ErrFieldTooLong
	case len(e.Payload) > MaxPayload:
		return fmt.Errorf("%w: payload of %d bytes", ErrMalformed, len(e.Payload))
	case len(e.Tag) > TagSize:
		return fmt.Errorf("%w: tag of %d bytes", ErrMalformed, len(e.Tag))
	}
	return nil
}

// Signed returns the bytes an authentication tag covers: all of Raw before
// the tag. It is Raw itself when FlagTag is clear.
func (e *Envelope) Signed() []byte {
	return e.Raw[:len(e.Raw)-len(e.Tag)]
}
