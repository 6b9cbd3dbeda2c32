package sticky

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// DefaultMaxSkew bounds how far a signed forward's timestamp may be from the
// receiver's clock.
const DefaultMaxSkew = 30 * time.Second

// signer signs and verifies forwards with the cluster secret: HMAC-SHA256
// over the method, the request URI (path and query), the timestamp and the
// sending node's id. A nil signer (no CLUSTER_SECRET) neither signs nor
// verifies.
type signer struct {
	key     []byte
	maxSkew time.Duration
	now     func() time.Time
}

func (s *signer) mac(method, uri, ts, from string) string {
	m := hmac.New(sha256.New, s.key)
	for _, part := range [...]string{method, uri, ts, from} {
		m.Write([]byte(part))
		m.Write([]byte{'\n'})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sign sets TimeHeader and SignatureHeader on an outgoing forward whose
// FromHeader is already set.
func (s *signer) sign(r *http.Request) {
	s.signHeader(r.Header, r.Method, r.URL.RequestURI())
}

// signHeader signs a forward given as its headers, method and request URI.
func (s *signer) signHeader(h http.Header, method, uri string) {
	ts := strconv.FormatInt(s.now().UnixMilli(), 10)
	h.Set(TimeHeader, ts)
	h.Set(SignatureHeader, s.mac(method, uri, ts, h.Get(FromHeader)))
}

// verify checks an incoming forward's signature and timestamp.
func (s *signer) verify(r *http.Request) error {
	ts := r.Header.Get(TimeHeader)
	sig := r.Header.Get(SignatureHeader)
	if ts == "" || sig == "" {
		return fmt.Errorf("%w: unsigned", ErrBadSignature)
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrBadSignature, ts)
	}
	skew := s.now().Sub(time.UnixMilli(ms))
	if skew > s.maxSkew || skew < -s.maxSkew {
		return fmt.Errorf("%w: timestamp off by %v", ErrBadSignature, skew)
	}
	want := s.mac(r.Method, r.URL.RequestURI(), ts, r.Header.Get(FromHeader))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return fmt.Errorf("%w: signature does not match", ErrBadSignature)
	}
	return nil
}
