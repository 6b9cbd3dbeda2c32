package testkit

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// tcpListen is the kernel's state number of a listening TCP socket
// (TCP_LISTEN) in /proc/net/tcp's st column.
const tcpListen = "0A"

// ErrProcNetFormat: a /proc/net/tcp line is not what the kernel writes.
var ErrProcNetFormat = errors.New("testkit: malformed /proc/net/tcp line")

// ListeningOn lists the local addresses that listening TCP sockets of this
// network namespace have bound with port, as the kernel reports them in
// /proc/net/tcp and /proc/net/tcp6: what a process really listens on,
// whatever it logged. A wildcard listener shows as 0.0.0.0 or ::.
func ListeningOn(port int) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if errors.Is(err, os.ErrNotExist) && name == "/proc/net/tcp6" {
			continue // a kernel without IPv6
		}
		if err != nil {
			return nil, fmt.Errorf("testkit: %w", err)
		}
		all, err := ParseProcNetTCP(f)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("testkit: read %s: %w", name, err)
		}
		for _, ap := range all {
			if int(ap.Port()) == port {
				out = append(out, ap)
			}
		}
	}
	return out, nil
}

// ParseProcNetTCP reads a /proc/net/tcp or /proc/net/tcp6 table and returns
// the local address of every socket in the listening state.
func ParseProcNetTCP(r io.Reader) ([]netip.AddrPort, error) {
	sc := bufio.NewScanner(r)
	var out []netip.AddrPort
	for first := true; sc.Scan(); first = false {
		fields := strings.Fields(sc.Text())
		if first && len(fields) > 0 && fields[0] == "sl" {
			continue // the header
		}
		if len(fields) < 4 {
			return nil, fmt.Errorf("%w: %q", ErrProcNetFormat, sc.Text())
		}
		if fields[3] != tcpListen {
			continue
		}
		ap, err := parseProcAddr(fields[1])
		if err != nil {
			return nil, err
		}
		out = append(out, ap)
	}
	return out, sc.Err()
}

// parseProcAddr reads the kernel's ADDR:PORT: the address as 32-bit words in
// the machine's byte order, each printed as 8 hex digits; the port as 4.
func parseProcAddr(s string) (netip.AddrPort, error) {
	addrHex, portHex, ok := strings.Cut(s, ":")
	if !ok || len(portHex) != 4 || (len(addrHex) != 8 && len(addrHex) != 32) {
		return netip.AddrPort{}, fmt.Errorf("%w: address %q", ErrProcNetFormat, s)
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: port %q", ErrProcNetFormat, portHex)
	}
	raw, err := hex.DecodeString(addrHex)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: address %q", ErrProcNetFormat, addrHex)
	}
	ip := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(ip[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(addr, uint16(port)), nil
}
