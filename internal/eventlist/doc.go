// Package eventlist reads and writes the event lists of MIRROR_EVENTS,
// MIRROR_EVENT_REPLY and LOCAL_EVENTS: comma-separated entries, each an
// event name optionally followed by a payload match @field=value (LOCAL_EVENTS
// only).
//
// Any event name a Socket.IO or JSON server can use can be written. Spaces
// inside a name need nothing (add user,new message); spaces around an entry
// are trimmed. A name, field or value that holds one of the syntax's own
// characters — a comma anywhere, '@' in a name, '=' in a field — or that
// starts with a double quote or has spaces at its ends, is written as a JSON
// string: "a,b"@"x=y"="it's, ok". Inside quotes JSON's escapes apply (\" \\
// \u00e9).
//
// Data flow: Parse turns the setting's text into Entries; Format and Quote
// turn names back into the syntax (the echo detector's suggestions use
// them). There is no state and no goroutine.
package eventlist
