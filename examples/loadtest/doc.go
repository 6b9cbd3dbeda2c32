// Command loadtest drives a chat cluster with twin pairs and measures what
// it delivers across nodes.
//
// P twin pairs each have two members; with the N entry URLs of -entries
// (one per node; -a and -b are the two-node form, -a alone one node),
// member a of pair p connects to node p mod N and member b to node
// p+1 mod N, so every pair crosses nodes and the nodes get equal shares.
// Both join the pair's room. After -settle, the offered message rate, split
// over the pairs and alternating between members, is sent for -duration;
// every message carries its sequence number and send time (monotonic,
// relative to the run's start) in its text. Each member records what it
// receives: the partner's copy of a message gives the cross-node latency,
// the sender's own copy the latency of the way through its entry node and
// backend alone, and each message is expected exactly once at both members
// (the servers echo a room message to its sender too), so lost and
// duplicated copies are counted. After the drain, -steady-connects more
// clients connect one at a time at -steady-rate per second, each into a
// room of its own, and each connect+handshake+join is timed: the latency of
// one connect, where the set-up of the pairs is a storm of them.
//
// Protocols: -protocol socketio speaks Engine.IO v4 / Socket.IO v4 over a
// websocket to examples/socketio-chat (open packet, CONNECT with auth
// {userId}, events join_twin_room and send_message with acks, answering the
// server's pings); -protocol websocket speaks the JSON protocol of
// examples/wschat (join, say → said).
//
// It prints a progress line on stderr every second, a line as each phase
// starts (connect, joined, send, drain, steady: the benchmark script reads
// the servers' CPU at them) and one JSON line on stdout at the end (see
// result). Everything is bounded: pairs, rate, duration, entries and steady
// connects have ceilings, connect+join has -connect-timeout, the final wait
// for late copies has -drain, and the steady connects their pace plus
// -connect-timeout.
//
// Goroutines: run owns them all. Set-up runs at most -connect-concurrency
// dials at a time; each client then has one reader goroutine (readLoop)
// that ends when run closes its connection; one sender (sendLoop) paces the
// messages; one reporter prints progress; the steady connects run one at a
// time on run's own goroutine. run waits for every one of them.
package main
