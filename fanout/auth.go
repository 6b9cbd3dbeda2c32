package fanout

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"
)

// busAuth authenticates every envelope a bus publishes and receives when
// BusConfig.Secret (CLUSTER_SECRET) is set: Seal sets FlagTag and writes an
// HMAC-SHA256 over the whole envelope; Open refuses an envelope without a
// valid tag. Both keys are derived from the secret and BusConfig.SecretScope
// (REDIS_ADAPTER_KEY), so a cluster with another key prefix — or anyone
// without the secret — cannot write a message this one accepts.
//
// Payloads of the kinds that carry a client's handshake (cookies, tokens,
// a CONNECT's auth) are encrypted with AES-256-GCM as well, so they are
// never readable in Redis. Sealing them re-encodes the envelope (a control
// message, not the hot path); every other kind gets a tag appended and
// allocates nothing.
//
// A busAuth is safe for concurrent Seal calls (pooled MACs); Open belongs
// to the bus's one delivery goroutine, which owns the opener it uses.
type busAuth struct {
	macKey []byte
	aead   cipher.AEAD
	macs   sync.Pool // of hash.Hash
}

// sealedKinds carry credentials in their payload: a handshake's headers,
// a namespace CONNECT's auth, a snapshot (handshake and membership log).
func sealedKind(k Kind) bool {
	return k == KindHandshake || k == KindConnect || k == KindSnapshot
}

// newBusAuth returns nil when secret is empty (no authentication).
func newBusAuth(secret, scope string) *busAuth {
	if secret == "" {
		return nil
	}
	a := &busAuth{macKey: deriveKey(secret, "mac", scope)}
	block, err := aes.NewCipher(deriveKey(secret, "enc", scope))
	if err != nil {
		panic(err) // unreachable: the key is 32 bytes
	}
	if a.aead, err = cipher.NewGCM(block); err != nil {
		panic(err) // unreachable: AES has a 16-byte block
	}
	a.macs.New = func() any { return hmac.New(sha256.New, a.macKey) }
	return a
}

// deriveKey is HMAC-SHA256(secret, "sidecast bus <use> v1" 0 scope): one key
// per use and per key prefix.
func deriveKey(secret, use, scope string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("sidecast bus " + use + " v1\x00" + scope))
	return m.Sum(nil)
}

// Seal appends msg, an encoded envelope, to dst with FlagTag set and its
// tag filled, its payload encrypted first when its kind carries
// credentials.
func (a *busAuth) Seal(dst, msg []byte) ([]byte, error) {
	if len(msg) < 3 {
		return dst, ErrTruncated
	}
	if sealedKind(Kind(msg[1])) {
		return a.sealPayload(dst, msg)
	}
	start := len(dst)
	dst = append(dst, msg...)
	if Flags(msg[2])&FlagTag != 0 {
		if len(msg) < 3+TagSize {
			return dst[:start], ErrTruncated
		}
		dst = dst[:len(dst)-TagSize] // a placeholder tag: replaced below
	} else {
		dst[start+2] |= byte(FlagTag)
	}
	return a.appendTag(dst, start), nil
}

// appendTag appends the HMAC of dst[start:].
func (a *busAuth) appendTag(dst []byte, start int) []byte {
	m := a.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(dst[start:])
	dst = m.Sum(dst)
	a.macs.Put(m)
	return dst
}

// sealPayload re-encodes msg with its payload as nonce ‖ AES-GCM(payload).
func (a *busAuth) sealPayload(dst, msg []byte) ([]byte, error) {
	var env Envelope
	if err := env.Decode(msg); err != nil {
		return dst, fmt.Errorf("fanout: seal: %w", err)
	}
	ns := a.aead.NonceSize()
	box := make([]byte, ns, ns+len(env.Payload)+a.aead.Overhead())
	if _, err := rand.Read(box); err != nil {
		return dst, fmt.Errorf("fanout: seal: %w", err)
	}
	env.Payload = a.aead.Seal(box, box[:ns], env.Payload, nil)
	env.Flags |= FlagTag
	env.Tag = nil
	start := len(dst)
	dst, err := env.Append(dst)
	if err != nil {
		return dst[:start], fmt.Errorf("fanout: seal: %w", err)
	}
	return a.appendTag(dst[:len(dst)-TagSize], start), nil
}

// opener checks what one delivery goroutine receives; it reuses its MAC
// and buffers, so it allocates nothing for an authentic envelope.
type opener struct {
	a     *busAuth
	mac   hash.Hash
	sum   [sha256.Size]byte
	plain []byte
}

func (a *busAuth) newOpener() *opener {
	return &opener{a: a, mac: hmac.New(sha256.New, a.macKey)}
}

// open checks env's tag and decrypts a sealed payload in place of
// env.Payload (valid until the next open). It returns ErrUnauthenticated
// for anything else.
func (o *opener) open(env *Envelope) error {
	if env.Flags&FlagTag == 0 {
		return fmt.Errorf("%w: no tag", ErrUnauthenticated)
	}
	o.mac.Reset()
	o.mac.Write(env.Signed())
	if !hmac.Equal(o.mac.Sum(o.sum[:0]), env.Tag) {
		return fmt.Errorf("%w: bad tag", ErrUnauthenticated)
	}
	if !sealedKind(env.Kind) {
		return nil
	}
	ns := o.a.aead.NonceSize()
	if len(env.Payload) < ns {
		return fmt.Errorf("%w: short sealed payload", ErrUnauthenticated)
	}
	plain, err := o.a.aead.Open(o.plain[:0], env.Payload[:ns], env.Payload[ns:], nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	o.plain = plain
	env.Payload = plain
	return nil
}
