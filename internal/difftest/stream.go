package difftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Item is one normalised observation of one client.
type Item struct {
	Kind   string // event, ack, connect, connect_error, disconnect, http
	Event  string // event name; for acks, the event that asked
	Args   string // canonical JSON of the normalised arguments
	Acked  bool   // the server asked for an ack and the client answered
	Origin string // who caused it: the payload's from/userId, "" for the home backend
}

// Key is the item as compared: everything but Origin, which follows from it.
func (it Item) Key() string {
	var b strings.Builder
	b.WriteString(it.Kind)
	b.WriteByte(' ')
	b.WriteString(it.Event)
	if it.Acked {
		b.WriteString(" (acked)")
	}
	if it.Args != "" {
		b.WriteByte(' ')
		b.WriteString(it.Args)
	}
	return b.String()
}

// Streams are every client's items in arrival order, by client name.
type Streams map[string][]Item

// normalisedKeys are the only payload fields that may differ between the
// oracle and the cluster: ids, timestamps and the server id.
var normalisedKeys = map[string]bool{"id": true, "timestamp": true, "serverId": true}

// Normalize returns the canonical JSON of raw with every normalised key's
// value replaced by "*" and the run's prefix removed from every string.
// Maps come out with sorted keys, so equal payloads give equal strings.
func Normalize(raw []byte, prefix string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("difftest: normalise %q: %w", truncate(raw), err)
	}
	if dec.More() {
		return "", fmt.Errorf("difftest: normalise %q: trailing data", truncate(raw))
	}
	out, err := json.Marshal(normalizeValue(v, prefix))
	if err != nil {
		return "", fmt.Errorf("difftest: normalise: %w", err)
	}
	return string(out), nil
}

func normalizeValue(v any, prefix string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if normalisedKeys[k] {
				x[k] = "*"
				continue
			}
			x[k] = normalizeValue(e, prefix)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeValue(e, prefix)
		}
		return x
	case string:
		if prefix != "" {
			return strings.ReplaceAll(x, prefix, "")
		}
	}
	return v
}

func truncate(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}

// origin is who caused an event: the first argument's "from", else its
// "userId", else "" (the home backend's own replies).
func origin(canonicalArgs string) string {
	var args []map[string]any
	if json.Unmarshal([]byte(canonicalArgs), &args) != nil || len(args) == 0 {
		return ""
	}
	for _, k := range []string{"from", "userId", "user"} {
		if s, ok := args[0][k].(string); ok {
			return s
		}
	}
	return ""
}

// buildStreams turns raw observations into Streams. ackEvents maps
// (client, seq) to the event whose ack it is. Transport and upgrade lines
// are not part of what a client application sees and are left out.
func buildStreams(msgs []Msg, prefix string, ackEvents map[ackKey]string) (Streams, error) {
	out := Streams{}
	for _, m := range msgs {
		it := Item{Kind: m.Type}
		switch m.Type {
		case "event":
			it.Event, it.Acked = m.Event, m.Acked
		case "ack", "ack_error":
			it.Event = ackEvents[ackKey{m.Name, m.Seq}]
			it.Args = m.Message
		case "disconnect":
			it.Args = m.Reason
		case "connect_error":
			it.Args = m.Message
		case "connect", "http":
			it.Event = m.Event
		default:
			continue
		}
		if len(m.Args) > 0 {
			raw, err := json.Marshal(m.Args)
			if err != nil {
				return nil, err
			}
			if it.Args, err = Normalize(raw, prefix); err != nil {
				return nil, fmt.Errorf("%s %s: %w", m.Name, m.Event, err)
			}
			if m.Type == "event" {
				it.Origin = origin(it.Args)
			}
		}
		out[m.Name] = append(out[m.Name], it)
	}
	return out, nil
}

type ackKey struct {
	name string
	seq  int
}
