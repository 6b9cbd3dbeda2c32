package fanout

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// This file is the publish half of the Redis bus's hot path: what one
// batch costs besides the bytes. go-redis builds a command, an argument
// slice and a boxed argument per PUBLISH, and a Pipeline (two method
// values) per batch; a pooled connection is health-checked with a syscall
// on every Get. publishLoop is one goroutine, so it can instead keep its
// commands, its Pipeline and, on one server, a connection of its own from
// batch to batch: in steady state a batch of one allocates nothing.

// pubTarget is one channel as publishLoop writes to it: its Redis name,
// boxed once as a command argument, and the PUBLISH (SPUBLISH) commands
// that carry its messages, reused batch after batch. A command keeps its
// channel for life because go-redis caches a command's cluster slot in it.
type pubTarget struct {
	name string
	arg  any  // name as a command argument: boxed here, not per message
	node bool // a node channel: exactly one subscriber when all is well

	cmds []*pubCmd // owned by publishLoop
	used int       // cmds[:used] are in the batch being written
}

func newPubTarget(name string, node bool) *pubTarget {
	return &pubTarget{name: name, arg: name, node: node}
}

// pubCmd is one reusable command; its message argument points at payload,
// which publishLoop sets to the queued buffer for the length of a batch.
type pubCmd struct {
	*redis.IntCmd
	payload wireArg
}

// wireArg hands go-redis a message without boxing a slice header per
// message: a pointer fits an interface as is, and go-redis writes an
// encoding.BinaryMarshaler's bytes as a bulk string.
type wireArg struct{ b []byte }

// MarshalBinary returns the bytes themselves; go-redis only writes them.
func (a *wireArg) MarshalBinary() ([]byte, error) { return a.b, nil }

// next returns a command of t for one more message of the batch, cleared
// of the previous batch's result.
func (t *pubTarget) next(ctx context.Context, m pubsubMode, msg []byte) *pubCmd {
	if t.used == len(t.cmds) {
		c := &pubCmd{}
		c.IntCmd = redis.NewIntCmd(ctx, m.publishName(), t.arg, &c.payload)
		t.cmds = append(t.cmds, c)
	}
	c := t.cmds[t.used]
	t.used++
	c.SetErr(nil)
	c.SetVal(0)
	c.payload.b = msg
	return c
}

// release ends t's part in a batch; the buffers go back to their pool, so
// no command may keep pointing at them.
func (t *pubTarget) release() {
	for _, c := range t.cmds[:t.used] {
		c.payload.b = nil
	}
	t.used = 0
}

// publisher is publishLoop's connection to Redis. On one server it holds
// a connection of its own (go-redis's Conn: no pool round trip, no health
// check syscall per batch) while batches follow each other, and replaces
// it after any failure, since go-redis refuses a Conn whose connection
// broke. After a pause it gives the connection back and takes one from
// the pool again, whose health check notices a connection the server
// closed meanwhile (an idle timeout, a restart) before a batch is lost on
// it. On a cluster the client routes each command to its shard's pooled
// connection.
type publisher struct {
	client *redis.Client        // one server, else nil
	router *redis.ClusterClient // cluster mode, else nil
	conn   *redis.Conn          // client's connection for publishLoop; nil until needed
	pipe   redis.Pipeliner      // of conn, or of router
	cmds   []redis.Cmder        // the batch, reused
	last   time.Time            // when conn last wrote a batch
}

// keepIdle is how long publishLoop keeps its connection without a batch.
const keepIdle = time.Second

func newPublisher(c redis.UniversalClient, cluster *redis.ClusterClient) *publisher {
	if cluster != nil {
		return &publisher{router: cluster, pipe: cluster.Pipeline()}
	}
	return &publisher{client: c.(*redis.Client)}
}

// exec writes cmds in one round trip: a single command as it is, more in
// the reused pipeline. The client's read and write timeouts (the request
// timeout) bound it, so a hung Redis fails the batch without a context
// and a timer of its own per batch.
func (p *publisher) exec(ctx context.Context, cmds []redis.Cmder, now time.Time) error {
	var proc interface {
		Process(context.Context, redis.Cmder) error
	} = p.router
	if p.client != nil {
		if p.conn != nil && now.Sub(p.last) > keepIdle {
			p.close()
		}
		p.last = now
		if p.conn == nil {
			p.conn = p.client.Conn()
			p.pipe = p.conn.Pipeline()
		}
		proc = p.conn
	}
	var err error
	if len(cmds) == 1 {
		err = proc.Process(ctx, cmds[0])
	} else {
		_ = p.pipe.BatchProcess(ctx, cmds...)
		_, err = p.pipe.Exec(ctx)
	}
	if err != nil && p.conn != nil {
		p.close() // a broken Conn stays broken: the next batch takes a new one
	}
	return err
}

// close gives publishLoop's connection back.
func (p *publisher) close() {
	if p.conn != nil {
		_ = p.conn.Close()
		p.conn, p.pipe = nil, nil
	}
}
