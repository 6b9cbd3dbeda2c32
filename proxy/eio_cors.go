package proxy

import (
	"context"
	"net/http"
)

// corsHeaders are the response headers a browser needs on each polling
// response; sidecast takes them from the backend's own CORS answer.
var corsHeaders = []string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Expose-Headers",
	"Vary",
}

// learnCORS asks the backend, with a CORS preflight for the client's
// Origin, which CORS headers it would put on this session's responses; the
// session's polling responses carry them. Without an Origin there is
// nothing to learn.
func (s *eioSession) learnCORS(r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.e.srv.cfg.DialTimeout)
	defer cancel()
	u := *s.e.srv.cfg.Backend
	if u.Scheme == "ws" {
		u.Scheme = "http"
	}
	u.Path = joinPath(u.Path, r.URL.Path)
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, u.String(), nil)
	if err != nil {
		return
	}
	if s.e.srv.cfg.BackendHostHeader == HostFromClient {
		req.Host = r.Host
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("X-Forwarded-For", forwardedFor(r))
	req.Header.Set("X-Forwarded-Proto", forwardedProto(r))
	req.Header.Set("X-Forwarded-Host", forwardedHost(r))
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.e.srv.log.Debug("engine.io CORS preflight failed", "err", err)
		return
	}
	resp.Body.Close()
	var learned [][2]string
	for _, k := range corsHeaders {
		for _, v := range resp.Header.Values(k) {
			learned = append(learned, [2]string{k, v})
		}
	}
	s.mu.Lock()
	s.cors = learned
	s.mu.Unlock()
}

// setCORS copies the learned CORS headers onto a polling response.
func (s *eioSession) setCORS(h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, kv := range s.cors {
		h.Add(kv[0], kv[1])
	}
}
