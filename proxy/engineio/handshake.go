package engineio

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Handshake is the JSON body of the open packet. Intervals are in
// milliseconds as on the wire; MaxPayload is in bytes (0 means not sent).
type Handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

// ParseHandshake decodes the data of an open packet (without the type digit).
func ParseHandshake(data []byte) (Handshake, error) {
	var h Handshake
	if err := json.Unmarshal(data, &h); err != nil {
		return Handshake{}, fmt.Errorf("%w: %v", ErrBadHandshake, err)
	}
	if h.SID == "" || h.PingInterval <= 0 || h.PingTimeout <= 0 || h.MaxPayload < 0 {
		return Handshake{}, fmt.Errorf("%w: sid %q, pingInterval %d, pingTimeout %d, maxPayload %d",
			ErrBadHandshake, h.SID, h.PingInterval, h.PingTimeout, h.MaxPayload)
	}
	return h, nil
}

// Interval returns the ping interval as a duration.
func (h Handshake) Interval() time.Duration { return time.Duration(h.PingInterval) * time.Millisecond }

// Timeout returns the ping timeout as a duration.
func (h Handshake) Timeout() time.Duration { return time.Duration(h.PingTimeout) * time.Millisecond }

// AppendHandshake appends the JSON of h (the open packet's data, without the
// type digit) to dst.
func AppendHandshake(dst []byte, h Handshake) []byte {
	dst = append(dst, `{"sid":`...)
	dst = appendJSONString(dst, h.SID)
	dst = append(dst, `,"upgrades":[`...)
	for i, u := range h.Upgrades {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, u)
	}
	dst = append(dst, `],"pingInterval":`...)
	dst = strconv.AppendInt(dst, int64(h.PingInterval), 10)
	dst = append(dst, `,"pingTimeout":`...)
	dst = strconv.AppendInt(dst, int64(h.PingTimeout), 10)
	if h.MaxPayload > 0 {
		dst = append(dst, `,"maxPayload":`...)
		dst = strconv.AppendInt(dst, h.MaxPayload, 10)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string. Go's strconv quoting is not
// JSON (it emits \x escapes), hence this small encoder.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
