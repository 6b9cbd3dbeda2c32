// Command loadtest drives a chat cluster with twin pairs and measures what
// it delivers across nodes.
//
// P twin pairs each have two members; member a connects to entry URL -a,
// member b to -b (two nodes of a cluster, or the same URL for one node).
// Both join the pair's room. Then the offered message rate, split over the
// pairs and alternating between members, is sent for -duration; every
// message carries its sequence number and send time (monotonic, relative to
// the run's start) in its text. Each member records what it receives: the
// partner's copy of a message gives the cross-node latency, the sender's
// own copy the latency of the way through its entry node and backend alone,
// and each message is expected exactly once at both members (the servers
// echo a room message to its sender too), so lost and duplicated copies are
// counted.
//
// Protocols: -protocol socketio speaks Engine.IO v4 / Socket.IO v4 over a
// websocket to examples/socketio-chat (open packet, CONNECT with auth
// {userId}, events join_twin_room and send_message with acks, answering the
// server's pings); -protocol websocket speaks the JSON protocol of
// examples/wschat (join, say → said).
//
// It prints a progress line on stderr every second and one JSON line on
// stdout at the end (see result). Everything is bounded: pairs, rate and
// duration have ceilings, connect+join has -connect-timeout and the final
// wait for late copies has -drain.
//
// Goroutines: run owns them all. Set-up runs at most -connect-concurrency
// dials at a time; each client then has one reader goroutine (readLoop)
// that ends when run closes its connection; one sender (sendLoop) paces the
// messages; one reporter prints progress. run waits for every one of them.
package main
