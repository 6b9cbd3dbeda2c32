//go:build linux

package proxy

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// readNoBlock and writeNoBlock move bytes on a non-blocking socket without
// announcing a system call to the Go runtime. Announcing one is what unix.Read
// and unix.Write do, so that the runtime can hand the processor to another
// thread if the call blocks; these calls never block, and the announcement
// has a price of its own here: the first one after the process was idle wakes
// the runtime's monitor thread, which then polls every 20 µs for the next
// millisecond. A relay that goes idle between messages paid that on every
// wake-up (measured: most of the process's nanosleep and a quarter of its
// futex calls). The copy is bounded by the socket buffer, so the processor is
// never held for long.
func readNoBlock(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}

func writeNoBlock(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}
