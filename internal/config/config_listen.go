package config

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
)

// checkListen validates where the two ports listen (SERVER_ADDR,
// METRICS_ADDR) and whether the profiler is served (PPROF).
func (c *Config) checkListen() error {
	var errs []error
	errs = append(errs, checkListenAddr("SERVER_ADDR", c.ServerAddr), checkListenAddr("METRICS_ADDR", c.MetricsAddr))
	if c.Pprof != "on" && c.Pprof != "off" {
		errs = append(errs, Errorf("PPROF", "%q is neither on nor off", c.Pprof))
	}
	return errors.Join(errs...)
}

// checkListenAddr accepts an IP address (with a zone for link-local IPv6)
// or empty, which means every interface. A port belongs in the _PORT
// variable; a host name would bind whatever it resolves to first.
func checkListenAddr(name, addr string) error {
	if addr == "" {
		return nil
	}
	if _, err := netip.ParseAddr(addr); err == nil {
		return nil
	}
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return Errorf(name, "%q: give the address only; the port has its own variable", addr)
	}
	return Errorf(name, "%q is not an IP address (0.0.0.0 or :: listen on every interface)", addr)
}

// ServerListenAddr is SERVER_ADDR:SERVER_PORT for net.Listen. The
// wildcards 0.0.0.0 and :: and the empty host all listen on every
// interface, IPv4 and IPv6 alike (Go's "tcp" listener on a wildcard is
// dual-stack).
func (c *Config) ServerListenAddr() string {
	return net.JoinHostPort(c.ServerAddr, strconv.Itoa(c.ServerPort))
}

// MetricsListenAddr is METRICS_ADDR:METRICS_PORT for net.Listen.
func (c *Config) MetricsListenAddr() string {
	return net.JoinHostPort(c.MetricsAddr, strconv.Itoa(c.MetricsPort))
}

// ServerDialAddr is where a process on this host reaches SERVER_PORT (the
// healthcheck command): loopback when the port listens on every
// interface, else SERVER_ADDR itself.
func (c *Config) ServerDialAddr() string {
	host := c.ServerAddr
	if a, err := netip.ParseAddr(host); host == "" || (err == nil && a.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(c.ServerPort))
}

// ProfilerOn reports whether the profiler is served (PPROF=on).
func (c *Config) ProfilerOn() bool { return c.Pprof == "on" }
