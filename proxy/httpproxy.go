package proxy

import (
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// sidecastHeaderPrefix starts the headers sidecast sets toward backends; a
// client must never be able to supply them.
const sidecastHeaderPrefix = "X-Sidecast-"

// newReverseProxy returns the handler for every request that is not a
// WebSocket upgrade: forwarded unchanged, bodies streamed, X-Forwarded-*
// appended to what sanitize let through.
func newReverseProxy(backend *url.URL, host HostHeader, log *slog.Logger, fails *failureLog) *httputil.ReverseProxy {
	target := httpURL(backend)
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			if host == HostFromClient {
				pr.Out.Host = pr.In.Host
			}
			if prior, ok := pr.In.Header["X-Forwarded-For"]; ok {
				pr.Out.Header["X-Forwarded-For"] = prior
			}
			pr.SetXForwarded()
			pr.Out.Header.Set("X-Forwarded-Proto", forwardedProto(pr.In))
			pr.Out.Header.Set("X-Forwarded-Host", forwardedHost(pr.In))
			stripSidecastHeaders(pr.Out.Header)
		},
		// Stream responses of unknown length (server-sent events, long polls)
		// as they come.
		FlushInterval: -1,
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			fails.warn("backend request failed", "path", r.URL.Path, "err", err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
}

// httpURL maps a ws/wss backend URL to its http/https form.
func httpURL(u *url.URL) *url.URL {
	out := *u
	switch u.Scheme {
	case "ws":
		out.Scheme = "http"
	case "wss":
		out.Scheme = "https"
	}
	return &out
}

func stripSidecastHeaders(h http.Header) {
	for k := range h {
		if hasSidecastPrefix(k) {
			delete(h, k)
		}
	}
}

func hasSidecastPrefix(k string) bool {
	return len(k) >= len(sidecastHeaderPrefix) && strings.EqualFold(k[:len(sidecastHeaderPrefix)], sidecastHeaderPrefix)
}
