package sticky

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &signer{key: []byte("k"), maxSkew: 30 * time.Second, now: func() time.Time { return now }}
	signed := func() *signerCase {
		r := httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling&sid=abc", nil)
		r.Header.Set(FromHeader, "node-a")
		s.sign(r)
		return &signerCase{r: r}
	}
	tests := []struct {
		name   string
		mutate func(c *signerCase)
		ok     bool
	}{
		{"valid", func(*signerCase) {}, true},
		{"unsigned", func(c *signerCase) { c.r.Header.Del(SignatureHeader) }, false},
		{"no time", func(c *signerCase) { c.r.Header.Del(TimeHeader) }, false},
		{"bad time", func(c *signerCase) { c.r.Header.Set(TimeHeader, "soon") }, false},
		{"other method", func(c *signerCase) { c.r.Method = "POST" }, false},
		{"other query", func(c *signerCase) { c.r.URL.RawQuery = "EIO=4&transport=polling&sid=abd" }, false},
		{"other path", func(c *signerCase) { c.r.URL.Path = "/other/" }, false},
		{"other sender", func(c *signerCase) { c.r.Header.Set(FromHeader, "node-b") }, false},
		{"other key", func(c *signerCase) {
			(&signer{key: []byte("k2"), maxSkew: time.Second, now: s.now}).sign(c.r)
		}, false},
		{"skew inside", func(*signerCase) { now = now.Add(29 * time.Second) }, true},
		{"too old", func(*signerCase) { now = now.Add(31 * time.Second) }, false},
		{"from the future", func(*signerCase) { now = now.Add(-31 * time.Second) }, false},
	}
	base := now
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = base
			c := signed()
			tt.mutate(c)
			err := s.verify(c.r)
			if tt.ok && err != nil {
				t.Fatalf("verify: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("verify = %v, want ErrBadSignature", err)
			}
		})
	}
}

type signerCase struct{ r *http.Request }
