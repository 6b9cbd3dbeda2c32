// Package socketio reads Socket.IO v4 packets just far enough to route them:
// type, namespace, ack id, event name and the number of binary attachments,
// without decoding the JSON payload. It also keeps a binary packet and its
// attachments together as one unit.
//
// Wire format of one packet (the data of one Engine.IO message packet):
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//
// type is one digit (0 CONNECT … 6 BINARY_ACK); attachments appear only for
// BINARY_EVENT and BINARY_ACK and count the Engine.IO binary messages that
// follow the packet; the namespace is present when it is not "/"; the
// payload of an EVENT is a JSON array whose first element is the event name.
//
// Data flow: Header.Parse takes a whole packet and leaves slices that alias
// it (an event name with escapes is unescaped into the Header's own reusable
// buffer). An Assembler copies a binary packet and its attachments into its
// own reusable buffer until the unit is complete. Neither starts goroutines;
// each value belongs to the one goroutine that reads the connection.
package socketio
