package fanout

import "strings"

// The membership log is what a resync or a snapshot replays on a rebuilt
// mirror: every namespace CONNECT and MIRROR_EVENTS event still in effect.
// It stays bounded because what is undone is dropped: a namespace
// DISCONNECT removes everything of that namespace, and a leave event
// removes the join it undoes (same namespace and arguments, names that
// differ only in "join"/"leave", e.g. join_twin_room and leave_twin_room).

// logLocked records a membership unit; h.mu is held.
func (h *homeSession) logLocked(info *unitInfo, enc []byte) {
	var full bool
	h.log, full = appendLog(h.log, info, enc, h.c.cfg.MaxLog)
	if full && !h.logFull {
		h.logFull = true
		h.c.log.Warn("fanout: membership log full; a rebuilt mirror may miss later joins",
			"session", string(h.id), "max", h.c.cfg.MaxLog)
	}
}

// appendLog applies one membership unit to log and reports whether the log
// was full and the entry dropped.
func appendLog(log []logEntry, info *unitInfo, enc []byte, maxLen int) ([]logEntry, bool) {
	ns := string(info.ns)
	switch info.kind {
	case unitDisconnect:
		return dropNamespace(log, ns), false
	case unitEvent:
		if join, ok := joinOf(string(info.event)); ok {
			// A websocket message names its own event: compare it as if it were the join.
			args := strings.Replace(string(info.args), string(info.event), join, 1)
			for i := len(log) - 1; i >= 0; i-- {
				if e := log[i]; e.ns == ns && e.name == join && e.args == args {
					return append(log[:i], log[i+1:]...), false
				}
			}
		}
	}
	if len(log) >= maxLen {
		return log, true
	}
	e := logEntry{kind: memberKind(info.kind), ns: ns, unit: enc}
	if info.kind == unitEvent {
		e.name, e.args = string(info.event), string(info.args)
	}
	return append(log, e), false
}

func dropNamespace(log []logEntry, ns string) []logEntry {
	out := log[:0]
	for _, e := range log {
		if e.ns != ns {
			out = append(out, e)
		}
	}
	return out
}

// joinOf names the join a leave event undoes.
func joinOf(name string) (string, bool) {
	if i := strings.Index(name, "leave"); i >= 0 {
		return name[:i] + "join" + name[i+len("leave"):], true
	}
	return "", false
}
