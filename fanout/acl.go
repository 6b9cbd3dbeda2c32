package fanout

import "strings"

// aclCommands are every command sidecast sends to Redis: authentication and
// liveness, pub/sub (plain, and sharded for Redis Cluster), and the registry's
// record and set. SELECT is only sent when a database number other than 0 is
// configured; CLUSTER SLOTS and COMMAND only in cluster mode, where the
// client maps slots to shards and learns each command's key position (once
// per process: refused, it would be retried before every command).
var aclCommands = []string{
	"auth", "hello", "ping", "select",
	"publish", "subscribe", "unsubscribe",
	"spublish", "ssubscribe", "sunsubscribe",
	"set", "mget", "sadd", "srem", "smembers", "del",
	"cluster|slots", "command",
}

// ACLRule returns the ACL rules that give a Redis user exactly what sidecast
// needs under key prefix: its own keys and channels and its commands,
// nothing else. Use it as
//
//	ACL SETUSER <user> on ><password> <ACLRule(prefix)>
func ACLRule(prefix string) string {
	var b strings.Builder
	b.WriteString("resetkeys ~" + prefix + ":sidecast:* resetchannels &" + prefix + ":sidecast:* -@all")
	for _, c := range aclCommands {
		b.WriteString(" +" + c)
	}
	return b.String()
}
