package fanout

import (
	"github.com/sidecast/sidecast/internal/eventlist"
)

// What to suggest for an echoed event. A bare name is right for an event
// that is only ever an echo (welcome, "bob joined"). It is wrong for an
// event that is also the chat itself (a server whose bot announces joins
// with the chat's own event, from a bot's name): as a bare LOCAL_EVENTS
// entry it would drop the chat that arrives through mirrors. Such notices
// share a sender: a sender-like field with the same value in every echo.
// So an event whose echoes carry a sender-like field is judged on two
// echoes: a field that kept its value gives a payload match
// (message@username=ChatBot); a field that changed (user joined, once for
// alice and once for bob) gives the bare name. Without such a field the
// first echo decides.

// senderFields are the top-level payload fields that name who sent a
// message, in order of preference.
var senderFields = []string{"username", "user", "from", "sender", "author", "name", "type", "kind", "source"}

// echoSample is what the first echo of a name carried in its sender-like
// fields; logged says its suggestion is out.
type echoSample struct {
	fields map[string]string
	logged bool
}

// suggestLocked returns the entry to suggest for name once it is known;
// e.mu is held.
func (e *echoStats) suggestLocked(name string, info *unitInfo) (string, bool) {
	s := e.samples[name]
	if s != nil && s.logged {
		return "", false
	}
	fields := senderValues(info)
	if s == nil {
		if len(fields) > 0 {
			e.samples[name] = &echoSample{fields: fields}
			return "", false // wait for a second echo
		}
		e.samples[name] = &echoSample{logged: true}
		return eventlist.Quote(name), true
	}
	first := s.fields
	s.logged, s.fields = true, nil
	for _, f := range senderFields {
		if v, ok := fields[f]; ok && v == first[f] {
			return eventlist.Entry{Name: name, Field: f, Value: v}.String(), true
		}
	}
	return eventlist.Quote(name), true
}

// senderValues are the sender-like fields of the event's first argument
// (or the websocket message) that hold a plain string which is not an id.
func senderValues(info *unitInfo) map[string]string {
	if info.kind != unitEvent {
		return nil
	}
	var out map[string]string
	for _, f := range senderFields {
		v, ok := jsonPlainString(info.args, f)
		if !ok || len(v) == 0 || idLike(v) {
			continue
		}
		if out == nil {
			out = make(map[string]string, 2)
		}
		out[f] = string(v)
	}
	return out
}
