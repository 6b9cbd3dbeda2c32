package config

import (
	"cmp"
	"slices"
)

// Warning is a setting that lets sidecast start but is probably not what
// was meant; the command line logs each one at start-up.
type Warning struct {
	Var     string // the variable concerned
	Message string // what looks wrong and what to do, without the value
}

// doubtfulSettings lists the combinations of valid settings that start
// but cannot work as intended.
func (c *Config) doubtfulSettings() []Warning {
	var out []Warning
	if c.Protocol == ProtocolSocketIO && c.Bus.Redis && c.MirrorsOn() && len(c.MirrorEvents) == 0 {
		// A socket.io backend joins rooms on events; without replaying them
		// on the mirrors, each node's backend knows only its own clients'
		// rooms, and a room broadcast reaches a different set on each node.
		out = append(out, Warning{Var: "MIRROR_EVENTS", Message: "PROTOCOL=socketio on a cluster (Redis) with no MIRROR_EVENTS: " +
			"rooms joined on one node are unknown to the others, so room broadcasts will differ between nodes; " +
			"list the events after which the backend joins or leaves rooms"})
	}
	return out
}

// sortWarnings orders warnings by variable, so the log reads the same on
// every start.
func sortWarnings(ws []Warning) {
	slices.SortFunc(ws, func(a, b Warning) int { return cmp.Compare(a.Var, b.Var) })
}
