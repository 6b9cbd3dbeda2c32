package sticky

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestAdvertiseURL(t *testing.T) {
	tests := []struct {
		raw  string
		port int
		want string // "" = an error; "derived" = any http URL ending in the port
	}{
		{"http://10.0.0.5:3000", 3000, "http://10.0.0.5:3000"},
		{"https://node-a.internal:8443", 3000, "https://node-a.internal:8443"},
		{"http://[fd00::1]:3000", 3000, "http://[fd00::1]:3000"},
		{"", 3123, "derived"},
		{"10.0.0.5:3000", 3000, ""},
		{"ftp://10.0.0.5", 3000, ""},
		{"http://user:pw@10.0.0.5:3000", 3000, ""},
		{"http://10.0.0.5:3000/?x=1", 3000, ""},
		{"http://", 3000, ""},
		{"http://:3000", 3000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := AdvertiseURL(tt.raw, tt.port)
			switch tt.want {
			case "":
				if !errors.Is(err, ErrBadAdvertise) {
					t.Fatalf("AdvertiseURL(%q) = %q, %v; want ErrBadAdvertise", tt.raw, got, err)
				}
			case "derived":
				if err != nil || !strings.HasPrefix(got, "http://") || !strings.HasSuffix(got, ":3123") {
					t.Fatalf("derived %q, %v", got, err)
				}
				if u, err := peerURL(got); err != nil || u.Hostname() == "" {
					t.Fatalf("derived %q does not parse back: %v", got, err)
				}
			default:
				if err != nil || got != tt.want {
					t.Fatalf("AdvertiseURL(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
				}
			}
		})
	}
}

func TestPeerURL(t *testing.T) {
	tests := []struct {
		addr, want string
	}{
		{"http://127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"https://a:1/base", "https://a:1/base"},
		{"ftp://a:1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		u, err := peerURL(tt.addr)
		if tt.want == "" {
			if err == nil {
				t.Errorf("peerURL(%q) = %v, want an error", tt.addr, u)
			}
			continue
		}
		if err != nil || u.String() != tt.want {
			t.Errorf("peerURL(%q) = %v, %v; want %s", tt.addr, u, err, tt.want)
		}
	}
}

// FuzzAdvertiseURL: an accepted ADVERTISE_URL is one a peer can dial.
func FuzzAdvertiseURL(f *testing.F) {
	for _, s := range []string{"http://10.0.0.5:3000", "https://[fd00::1]:1", "10.0.0.5:3000", "http://u@h", "http://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if raw == "" {
			return // derived from this host, not parsed
		}
		got, err := AdvertiseURL(raw, 3000)
		if err != nil {
			if !errors.Is(err, ErrBadAdvertise) {
				t.Fatalf("AdvertiseURL(%q): %v", raw, err)
			}
			return
		}
		u, err := peerURL(got)
		if err != nil || u.Hostname() == "" {
			t.Fatalf("accepted %q (%q) names no host: %v", raw, got, err)
		}
		if _, err := url.Parse(got); err != nil {
			t.Fatalf("accepted %q does not parse back: %v", got, err)
		}
	})
}
