package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestACLUserEndToEnd: a Redis user holding exactly the README's rule
// carries a two-node cluster (a message crosses nodes), and Redis refused
// nothing sidecast sent (its ACL LOG stays empty).
func TestACLUserEndToEnd(t *testing.T) {
	const pw = "Acl-pw-7"
	s := redistest.Start(t, redistest.Config{Users: []string{"sidecast on >" + pw + " " + fanout.ACLRule("socket.io")}})
	nodes := startPair(t, "redis://sidecast:"+pw+"@"+s.Addr(), nil)
	alice := joinRoom(t, nodes[0].base, "alice", "acl")
	bob := joinRoom(t, nodes[1].base, "bob", "acl")
	d := crossNodeSay(t, alice, bob, "acl", "through an ACL user")
	t.Logf("node-a → node-b in %s", d)
	for _, n := range nodes {
		if h, _ := getHealth(n.base); h["redis"] != true || h["status"] != "ok" {
			t.Fatalf("%s health %v", n.id, h)
		}
		if strings.Contains(n.p.Stderr.String(), "refused bus envelope") {
			t.Fatalf("%s refused an envelope of its own cluster", n.id)
		}
	}
	admin := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer admin.Close()
	denied, err := admin.Do(context.Background(), "ACL", "LOG").Slice()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range denied {
		// The start-up check asks INFO whether the server is a cluster
		// node; the rule leaves INFO out on purpose and the check lives
		// with the refusal. Anything else refused is a missing grant.
		if entry := fmt.Sprint(e); !strings.Contains(entry, "object:info") {
			t.Fatalf("Redis refused a command of sidecast: %s", entry)
		}
	}
	t.Logf("ACL LOG: %d entries, all the start-up INFO probe", len(denied))
}

// TestACLMissingPermissionNamed: a rule without +publish leaves the binary
// degraded with a log line naming PUBLISH; granting it lets the node join.
func TestACLMissingPermissionNamed(t *testing.T) {
	const pw = "Acl-pw-8"
	s := redistest.Start(t, redistest.Config{Users: []string{"sidecast on >" + pw + " " + fanout.ACLRule("socket.io") + " -publish"}})
	chat := startChat(t)
	p, base := startNodeProc(t, chat.URL, map[string]string{
		"REDIS_URL": "redis://sidecast:" + pw + "@" + s.Addr(), "REDIS_REQUESTS_TIMEOUT": "500",
	})
	p.waitOutput(&p.Stderr, `Redis is not usable yet.*PUBLISH refused`)
	testkit.WaitUntil(t, procWait, "health to say degraded", func() bool {
		h, _ := getHealth(base)
		return h["status"] == "degraded" && h["redis"] == false
	})
	admin := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer admin.Close()
	if err := admin.Do(context.Background(), "ACL", "SETUSER", "sidecast", "+publish").Err(); err != nil {
		t.Fatal(err)
	}
	took := testkit.WaitUntil(t, procWait, "the node to join once PUBLISH is granted", func() bool {
		h, _ := getHealth(base)
		return h["status"] == "ok" && h["redis"] == true
	})
	t.Logf("joined %s after the grant", took)
}

// TestACLRuleInREADME: the README quotes the rule the code grants.
func TestACLRuleInREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "ACL SETUSER sidecast on >PASSWORD " + fanout.ACLRule("socket.io")
	if !strings.Contains(string(readme), want) {
		t.Fatalf("README does not quote the ACL rule:\n%s", want)
	}
}
