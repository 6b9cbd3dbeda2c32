package sticky

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
)

// AdvertiseURL returns the URL peers use to reach this node's client port:
// raw (ADVERTISE_URL) when set, after checking it, else one derived from
// port and this host: the first non-loopback address of an interface that
// is up, or the hostname when there is none.
func AdvertiseURL(raw string, port int) (string, error) {
	if raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			return "", fmt.Errorf("%w: %q: %v", ErrBadAdvertise, raw, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" {
			return "", fmt.Errorf("%w: %q: want http(s)://host:port", ErrBadAdvertise, raw)
		}
		return u.String(), nil
	}
	host := hostAddress()
	if host == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return "", fmt.Errorf("%w: no non-loopback address and no hostname; set ADVERTISE_URL", ErrBadAdvertise)
		}
		host = h
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// hostAddress is the first non-loopback unicast address (IPv4 first) of an
// interface that is up, or "".
func hostAddress() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	var v6 string
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || !ipn.IP.IsGlobalUnicast() {
				continue
			}
			if ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
			if v6 == "" {
				v6 = ipn.IP.String()
			}
		}
	}
	return v6
}
