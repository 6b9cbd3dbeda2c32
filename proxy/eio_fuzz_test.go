package proxy

import (
	"net/http"
	"testing"
)

// FuzzEIOPollingPost posts arbitrary bodies to a live polling session: the
// proxy answers 200, 400 or 413, never panics, and keeps serving new
// sessions.
func FuzzEIOPollingPost(f *testing.F) {
	for _, seed := range []string{
		`42["send_message",{"text":"hi"}]`,
		"3\x1e42[\"a\"]",
		`451-["p",{"_placeholder":true,"num":0}]` + "\x1ebAQID",
		"1",
		"9",
		"b!!",
		"",
	} {
		f.Add([]byte(seed))
	}
	rb := newEIORawBackend(f)
	_, base := newProxy(f, rb.url(), func(c *Config) { c.Protocol = ProtocolSocketIO })
	f.Fuzz(func(t *testing.T, body []byte) {
		hs := pollOpen(t, base)
		rb.next(t)
		status, _, _ := eioDo(t, http.MethodPost, eioURL(base, "transport=polling&sid="+hs.SID), string(body), nil)
		switch status {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("POST %q answered %d", body, status)
		}
		pollOpen(t, base) // still serving
		rb.next(t)
	})
}
