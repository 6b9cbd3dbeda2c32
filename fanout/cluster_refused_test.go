package fanout

import (
	"net/url"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/difftest"
	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// TestMirrorConnectRefusals: a mirror's backend refusing a namespace CONNECT
// is a divergence only when home accepted it. Node a's backend is the
// example chat (it has /notifications), node b's the notice server (it has
// not). A CONNECT both refuse (a namespace neither has) is not counted; one
// only b refuses is, once.
func TestMirrorConnectRefusals(t *testing.T) {
	notice, err := testkit.StartNodeServer(difftest.NoticeServerDir, "socket.io")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(notice.Close)
	nu, _ := url.Parse(notice.URL)
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a := startSIONode(t, n, "a")
			b := startNodeOn(t, n, "b", nu, proxy.ProtocolSocketIO, sioClusterConfig())
			waitPeers(t, a, b)
			peer := siotest.StartPeer(t)
			auth := map[string]string{"userId": "alice"}
			peer.MustConnect(t, siotest.Conn{Name: "alice", URL: a.front.URL, Auth: auth})
			testkit.WaitUntil(t, 10*time.Second, "alice's mirror on b", func() bool { return b.cl.Stats().Mirrors == 1 })

			peer.Connect(t, siotest.Conn{Name: "nowhere", URL: a.front.URL, Namespace: "/nowhere", Share: "alice", Auth: auth})
			peer.Wait(t, "nowhere", "connect_error", "")
			testkit.WaitUntil(t, 10*time.Second, "b's backend refused /nowhere as home's did", func() bool {
				return b.cl.Stats().MirrorRefusedAgreed == 1
			})
			if st := b.cl.Stats(); st.MirrorRefused != 0 || st.Diverged != 0 {
				t.Fatalf("a CONNECT home refused too counted as a divergence: %+v", st)
			}

			peer.MustConnect(t, siotest.Conn{Name: "notes", URL: a.front.URL, Namespace: "/notifications", Share: "alice", Auth: auth})
			testkit.WaitUntil(t, 10*time.Second, "b's refusal of /notifications, which home accepted, counted", func() bool {
				return b.cl.Stats().MirrorRefused == 1
			})
			if st := b.cl.Stats(); st.Diverged != 1 || st.MirrorRefusedAgreed != 1 {
				t.Fatalf("after a real divergence: %+v", st)
			}
		})
	}
}
