package fanout

import (
	"net/url"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// TestClusterSyncAfterBackendReturns: when node b's backend (a real Node
// Socket.IO process) dies, b stops admitting client sessions; once the
// backend is back and the mirror of alice's session (home a) is open and
// written on it again, b admits clients again, with no peer left waiting.
func TestClusterSyncAfterBackendReturns(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a := startSIONode(t, n, "a")
			backB := siotest.StartServer(t)
			bu, _ := url.Parse(backB.URL)
			b := startNodeOn(t, n, "b", bu, proxy.ProtocolSocketIO, sioClusterConfig())
			waitPeers(t, a, b)
			peer := siotest.StartPeer(t)
			peer.MustConnect(t, siotest.Conn{Name: "alice", URL: a.front.URL, Auth: map[string]string{"userId": "alice"}})
			peer.EmitWithAck(t, "alice", "join_twin_room", map[string]string{"twinPairId": "p"})
			testkit.WaitUntil(t, 10*time.Second, "alice's mirror on b", func() bool { return b.cl.Stats().Mirrors == 1 })
			if !b.cl.Admit() {
				t.Fatal("b refuses clients with its backend up")
			}

			backB.Kill()
			testkit.WaitUntil(t, 10*time.Second, "b to stop admitting clients", func() bool {
				return !b.cl.Admit() && b.cl.BackendState() == BackendDown
			})
			siotest.StartServerOn(t, backB.Port)
			took := testkit.WaitUntil(t, 10*time.Second, "b to admit clients again", func() bool { return b.cl.Admit() })
			t.Logf("b admitted clients %v after its backend was started again", took.Round(time.Millisecond))
			if st := b.cl.Stats(); st.Mirrors != 1 || b.cl.BackendState() != BackendOK || st.SyncTimeouts != 0 {
				t.Fatalf("after the rebuild: %+v", st)
			}
			if a.cl.BackendState() != BackendOK || !a.cl.Admit() {
				t.Fatal("a's backend never left, yet a is not admitting clients")
			}
		})
	}
}
