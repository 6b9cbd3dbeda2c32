//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

// The fixtures were captured on a little-endian machine: the kernel prints
// addresses in the machine's byte order.

package testkit

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseProcNetTCP(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"proc_net_tcp", []string{"127.0.0.1:3000", "0.0.0.0:9090", "127.0.0.2:9090"}},
		{"proc_net_tcp6", []string{"[::]:3000", "[::1]:8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := ParseProcNetTCP(f)
			if err != nil {
				t.Fatal(err)
			}
			var shown []string
			for _, ap := range got {
				shown = append(shown, ap.String())
			}
			if !reflect.DeepEqual(shown, tt.want) {
				t.Fatalf("listeners %v, want %v", shown, tt.want)
			}
		})
	}
}

func TestParseProcNetTCPMalformed(t *testing.T) {
	for _, line := range []string{
		"   0: 0100007F 00000000:0000 0A",
		"   0: 0100007F:BB8 00000000:0000 0A",
		"   0: 0100007G:0BB8 00000000:0000 0A",
		"   0: 0100007F0:0BB8 00000000:0000 0A",
		"   0: 0100007F:0BB8",
	} {
		if _, err := ParseProcNetTCP(strings.NewReader(line)); !errors.Is(err, ErrProcNetFormat) {
			t.Errorf("%q: err %v, want ErrProcNetFormat", line, err)
		}
	}
}

// TestListeningOn: a listener of this process shows up with its address.
func TestListeningOn(t *testing.T) {
	ln := ListenLoopback(t)
	want := netip.MustParseAddrPort(ln.Addr().String())
	got, err := ListeningOn(int(want.Port()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("ListeningOn(%d) = %v, want [%v]", want.Port(), got, want)
	}
}

func FuzzParseProcNetTCP(f *testing.F) {
	for _, name := range []string{"proc_net_tcp", "proc_net_tcp6"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw))
	}
	f.Fuzz(func(t *testing.T, table string) {
		got, err := ParseProcNetTCP(strings.NewReader(table))
		if err != nil {
			return
		}
		for _, ap := range got {
			if !ap.Addr().IsValid() {
				t.Fatalf("invalid address parsed from %q", table)
			}
		}
	})
}
