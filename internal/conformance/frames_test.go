package conformance

import (
	"bytes"

	"github.com/gobwas/ws"
)

func frameBytes(f ws.Frame) []byte {
	var b bytes.Buffer
	_ = ws.WriteFrame(&b, f)
	return b.Bytes()
}
