package fanout

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// MirrorFormat is the version of what nodes exchange about sessions
// beyond the envelope layout: handshake and snapshot payloads, the
// membership log and the rules for replaying it. A change that a node of
// the previous format would misread raises it; peers of another format
// refuse each other (Registry).
const MirrorFormat = 1

// Settings are the configuration a node announces in its registry record
// so peers can tell whether they may work together. Lists are compared as
// sets (their order does not matter).
type Settings struct {
	Protocol     string   // PROTOCOL: peers that disagree are refused
	BusFormat    int      // the envelope Version; 0 means this build's
	MirrorFormat int      // MirrorFormat; 0 means this build's
	MirrorEvents []string // MIRROR_EVENTS: a mismatch is reported, the peer kept
	LocalEvents  []string // LOCAL_EVENTS: as MirrorEvents
	EventField   string   // EVENT_FIELD: as MirrorEvents
}

// Names of the settings in a Mismatch, and the label values of the
// sidecast_peer_config_mismatch metric.
const (
	SettingProtocol     = "protocol"
	SettingBusFormat    = "bus_format"
	SettingMirrorFormat = "mirror_format"
	SettingMirrorEvents = "mirror_events"
	SettingLocalEvents  = "local_events"
	SettingEventField   = "event_field"
)

// SettingNames lists every setting a Mismatch may name, those that refuse
// a peer first.
var SettingNames = []string{SettingProtocol, SettingBusFormat, SettingMirrorFormat, SettingMirrorEvents, SettingLocalEvents, SettingEventField}

// refusing are the settings on which peers must agree to work together:
// another protocol or format would misread what they exchange.
var refusing = map[string]bool{SettingProtocol: true, SettingBusFormat: true, SettingMirrorFormat: true}

// Mismatch is one setting on which a peer disagrees with this node.
type Mismatch struct {
	Peer    string `json:"peer"`
	Setting string `json:"setting"`
	Here    string `json:"here"`    // this node's value
	There   string `json:"there"`   // the peer's value
	Refused bool   `json:"refused"` // the node is refused as a peer: a setting that refuses differs
}

func (s Settings) withDefaults() Settings {
	if s.BusFormat == 0 {
		s.BusFormat = int(Version)
	}
	if s.MirrorFormat == 0 {
		s.MirrorFormat = MirrorFormat
	}
	return s
}

// values returns each setting's canonical text, keyed by setting name.
func (s Settings) values() map[string]string {
	set := func(l []string) string {
		l = slices.Clone(l)
		slices.Sort(l)
		return strings.Join(slices.Compact(l), ",")
	}
	return map[string]string{
		SettingProtocol:     strings.ToLower(s.Protocol),
		SettingBusFormat:    strconv.Itoa(s.BusFormat),
		SettingMirrorFormat: strconv.Itoa(s.MirrorFormat),
		SettingMirrorEvents: set(s.MirrorEvents),
		SettingLocalEvents:  set(s.LocalEvents),
		SettingEventField:   s.EventField,
	}
}

// Registry record payload. Up to this version it was the node's advertised
// address alone; the settings now follow it as a URL fragment
// ("#sidecast=1&protocol=…"), which a node of an earlier build keeps in the
// address it forwards to and which a URL never sends, so older and newer
// nodes still work together. settingsTag is the fragment's first key and
// its version: a record without it comes from an earlier build, whose
// settings are unknown.
const settingsTag = "sidecast"

// recordPayload is the heartbeat payload: address, then the settings.
func recordPayload(address string, s Settings) []byte {
	q := url.Values{settingsTag: {"1"}}
	for k, v := range s.values() {
		q.Set(k, v)
	}
	return []byte(address + "#" + q.Encode())
}

// parseRecordPayload splits a heartbeat payload into the address and the
// settings' values; known is false for a record of an earlier build or
// settings of a later tag version.
func parseRecordPayload(p []byte) (address string, values map[string]string, known bool) {
	address, frag, found := strings.Cut(string(p), "#")
	if !found {
		return address, nil, false
	}
	q, err := url.ParseQuery(frag)
	if err != nil || q.Get(settingsTag) != "1" {
		return address, nil, false
	}
	values = make(map[string]string, len(SettingNames))
	for _, name := range SettingNames {
		values[name] = q.Get(name)
	}
	return address, values, true
}

// compare lists the settings on which there (a peer's values) disagrees
// with here, in SettingNames order.
func compare(peer string, here, there map[string]string) []Mismatch {
	var out []Mismatch
	for _, name := range SettingNames {
		if here[name] != there[name] {
			out = append(out, Mismatch{Peer: peer, Setting: name, Here: here[name], There: there[name], Refused: refusing[name]})
		}
	}
	refused := slices.ContainsFunc(out, func(m Mismatch) bool { return m.Refused })
	for i := range out {
		out[i].Refused = refused
	}
	return out
}
