package sticky

import (
	"errors"
	"net/http"
	"testing"
)

func TestParseTrusted(t *testing.T) {
	tests := []struct {
		in      []string
		remote  string
		trusted bool
		err     bool
	}{
		{DefaultTrustedProxies, "127.0.0.1:5000", true, false},
		{DefaultTrustedProxies, "[::1]:5000", true, false},
		{DefaultTrustedProxies, "10.1.2.3:5000", true, false},
		{DefaultTrustedProxies, "172.31.0.1:5000", true, false},
		{DefaultTrustedProxies, "172.32.0.1:5000", false, false},
		{DefaultTrustedProxies, "[::ffff:192.168.1.1]:80", true, false},
		{DefaultTrustedProxies, "8.8.8.8:53", false, false},
		{DefaultTrustedProxies, "not-an-address", false, false},
		{[]string{"203.0.113.7"}, "203.0.113.7:1", true, false},
		{[]string{" 203.0.113.0/24 ", ""}, "203.0.113.9:1", true, false},
		{[]string{"10.0.0.0/8"}, "127.0.0.1:1", false, false},
		{[]string{"10.0.0.0/33"}, "", false, true},
		{[]string{"example.com"}, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			ranges, err := ParseTrusted(tt.in)
			if tt.err {
				if !errors.Is(err, ErrBadTrusted) {
					t.Fatalf("ParseTrusted(%q) err %v, want ErrBadTrusted", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := trusted(ranges, tt.remote); got != tt.trusted {
				t.Fatalf("trusted(%q) = %v with %q", tt.remote, got, tt.in)
			}
		})
	}
}

func TestClientIdentity(t *testing.T) {
	tests := []struct {
		name    string
		trusted bool
		keep    []string
		gone    []string
	}{
		{"trusted", true, []string{"X-Forwarded-For", "X-Forwarded-Proto", "Cookie"}, []string{HopHeader, "X-Sidecast-Mirror", "x-sidecast-anything"}},
		{"untrusted", false, []string{"Cookie"}, []string{HopHeader, "X-Sidecast-Mirror", "X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "X-Real-Ip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, k := range append(append([]string{}, tt.keep...), tt.gone...) {
				h[k] = []string{"v"} // raw keys: a client may send any case
			}
			clientIdentity(h, tt.trusted)
			for _, k := range tt.keep {
				if h[k] == nil {
					t.Errorf("%s was dropped", k)
				}
			}
			for _, k := range tt.gone {
				if h[k] != nil {
					t.Errorf("%s was kept", k)
				}
			}
		})
	}
}

// FuzzParseTrusted: whatever is accepted contains its own address.
func FuzzParseTrusted(f *testing.F) {
	for _, s := range append(DefaultTrustedProxies, "203.0.113.7", "10.0.0.0/33", "x") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ranges, err := ParseTrusted([]string{s})
		if err != nil {
			if !errors.Is(err, ErrBadTrusted) {
				t.Fatalf("ParseTrusted(%q): %v", s, err)
			}
			return
		}
		for _, p := range ranges {
			if !p.Contains(p.Addr()) {
				t.Fatalf("%q parsed to %v, which does not contain its address", s, p)
			}
		}
	})
}
