package sticky

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// Tag names a node inside its session ids: the first TagSize bytes of a
// hash of the node id, so every peer computes the same tag from the id the
// registry carries.
type Tag [TagSize]byte

// Sizes of a session id's parts. A sid is the unpadded base64url encoding of
// tag | random | check: SIDLen characters, all URL-safe as Engine.IO's own.
const (
	TagSize   = 6
	randSize  = 15
	checkSize = 3
	rawSIDLen = TagSize + randSize + checkSize
	// SIDLen is the length of every session id a Codec issues.
	SIDLen = rawSIDLen / 3 * 4
)

// NodeTag returns the tag of the node with this id.
func NodeTag(nodeID string) Tag {
	h := sha256.Sum256([]byte("sidecast node tag\x00" + nodeID))
	var t Tag
	copy(t[:], h[:TagSize])
	return t
}

// String is the tag in hex, for logs and the affinity cookie.
func (t Tag) String() string { return hex.EncodeToString(t[:]) }

// defaultKey keys the check bytes when no cluster secret is set: they then
// catch typos and truncation, not forgery, which is harmless anyway (a
// forged tag only routes a request to a node that does not know its sid).
var defaultKey = []byte("sidecast session id check")

// Codec issues and parses tagged session ids. Its zero value is not ready:
// use NewCodec.
type Codec struct {
	key []byte
}

// NewCodec returns a codec whose check bytes are keyed with secret (the
// cluster secret), or a fixed key when secret is empty. Every node of a
// cluster must use the same secret.
func NewCodec(secret []byte) *Codec {
	if len(secret) == 0 {
		secret = defaultKey
	}
	return &Codec{key: append([]byte(nil), secret...)}
}

// NewSID returns a fresh session id tagged with t.
func (c *Codec) NewSID(t Tag) string {
	var raw [rawSIDLen]byte
	copy(raw[:TagSize], t[:])
	_, _ = rand.Read(raw[TagSize : TagSize+randSize])
	c.check(raw[:TagSize+randSize], raw[TagSize+randSize:])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// Parse returns the tag of a session id this cluster issued, or ErrBadSID.
func (c *Codec) Parse(sid string) (Tag, error) {
	var raw [rawSIDLen]byte
	var t Tag
	if len(sid) != SIDLen {
		return t, fmt.Errorf("%w: length %d, want %d", ErrBadSID, len(sid), SIDLen)
	}
	if _, err := base64.RawURLEncoding.Decode(raw[:], []byte(sid)); err != nil {
		return t, fmt.Errorf("%w: %w", ErrBadSID, err)
	}
	var want [checkSize]byte
	c.check(raw[:TagSize+randSize], want[:])
	if !hmac.Equal(want[:], raw[TagSize+randSize:]) {
		return t, fmt.Errorf("%w: check bytes do not match", ErrBadSID)
	}
	copy(t[:], raw[:TagSize])
	return t, nil
}

func (c *Codec) check(body, out []byte) {
	m := hmac.New(sha256.New, c.key)
	m.Write(body)
	copy(out, m.Sum(nil))
}
