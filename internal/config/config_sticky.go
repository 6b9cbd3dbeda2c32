package config

import (
	"errors"
	"strings"

	"github.com/sidecast/sidecast/sticky"
)

// Values of FORWARDING.
const (
	ForwardingOn  = "on"
	ForwardingOff = "off"
)

// checkSticky validates the routing settings and fills Trusted and Cookie.
// ADVERTISE_URL is derived later, from the port the node listens on.
func (c *Config) checkSticky() error {
	var errs []error
	if !strings.HasPrefix(c.SocketIOPath, "/") {
		errs = append(errs, Errorf("SOCKETIO_PATH", "%q must start with /", c.SocketIOPath))
	}
	if c.AdvertiseURL != "" {
		if _, err := sticky.AdvertiseURL(c.AdvertiseURL, c.ServerPort); err != nil {
			errs = append(errs, Errorf("ADVERTISE_URL", "%v", err))
		}
	}
	if c.Forwarding != ForwardingOn && c.Forwarding != ForwardingOff {
		errs = append(errs, Errorf("FORWARDING", "%q is neither on nor off", c.Forwarding))
	}
	var err error
	if c.Cookie, err = sticky.ParseCookie(c.StickyCookie); err != nil {
		errs = append(errs, Errorf("STICKY_COOKIE", "%v", err))
	}
	if c.Trusted, err = sticky.ParseTrusted(c.TrustedProxies); err != nil {
		errs = append(errs, Errorf("TRUSTED_PROXIES", "%v", err))
	}
	return errors.Join(errs...)
}
