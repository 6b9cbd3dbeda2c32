//go:build linux

package rawio

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Read reads from a non-blocking descriptor without announcing the call to
// the runtime; the copy is bounded by the socket buffer, so the processor
// is not held for long.
func Read(fd int, p []byte) (int, error) { return rawIO(unix.SYS_READ, fd, p) }

// Write writes to a non-blocking descriptor the same way.
func Write(fd int, p []byte) (int, error) { return rawIO(unix.SYS_WRITE, fd, p) }

func rawIO(trap uintptr, fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, errno := unix.RawSyscall(trap, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}
