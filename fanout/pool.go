package fanout

import "github.com/valyala/bytebufferpool"

// maxPooled caps the buffers returned to the pool, so one huge frame does
// not pin its memory in the pool forever.
const maxPooled = 1 << 20

func putBuf(b *bytebufferpool.ByteBuffer) {
	if cap(b.B) > maxPooled {
		return
	}
	bytebufferpool.Put(b)
}
