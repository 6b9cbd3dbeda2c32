package wschat

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Message is every JSON message of the protocol, in either direction; unused
// fields are omitted on the wire.
type Message struct {
	Type  string   `json:"type"`
	Room  string   `json:"room,omitempty"`
	Text  string   `json:"text,omitempty"`
	From  string   `json:"from,omitempty"`
	User  string   `json:"user,omitempty"`
	Users []string `json:"users,omitempty"`
	Error string   `json:"error,omitempty"`
}

// maxRoomName bounds room names so a client cannot make the server hold
// arbitrarily large keys.
const maxRoomName = 200

var (
	errNoType       = errors.New("missing type")
	errNoRoom       = errors.New("missing room")
	errRoomTooLong  = fmt.Errorf("room name longer than %d bytes", maxRoomName)
	errUnknownType  = errors.New("unknown type")
	errNotAMember   = errors.New("not in room")
	errBinaryFrames = errors.New("binary messages are not supported")
)

// ParseMessage decodes and validates one client message.
func ParseMessage(p []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(p, &m); err != nil {
		return Message{}, fmt.Errorf("bad json: %w", err)
	}
	switch m.Type {
	case "":
		return Message{}, errNoType
	case "join", "say", "leave", "members":
	default:
		return Message{}, fmt.Errorf("%w %q", errUnknownType, m.Type)
	}
	if m.Room == "" {
		return Message{}, errNoRoom
	}
	if len(m.Room) > maxRoomName {
		return Message{}, errRoomTooLong
	}
	return m, nil
}

// encode marshals a server message; the types involved cannot fail to
// marshal, so an error here is a programming error.
func encode(m Message) []byte {
	p, err := json.Marshal(m)
	if err != nil {
		panic("wschat: encode: " + err.Error())
	}
	return p
}
