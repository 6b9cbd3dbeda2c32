//go:build linux

package proxy

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// readNoBlock and writeNoBlock move bytes on a non-blocking socket without
// announcing a system call to the Go runtime, as unix.Read and unix.Write do
// so that the runtime may hand the processor to another thread if the call
// blocks. These calls never block, and the announcement has a price on a busy
// machine: a thread the kernel preempts inside the call looks blocked, the
// runtime's monitor takes its processor away, and the goroutine then waits
// for a processor again; the first announcement after an idle spell also
// wakes the monitor into a millisecond of 20 µs polling. The copy is bounded
// by the socket buffer, so the processor is never held for long.
func readNoBlock(fd int, p []byte) (int, error) { return rawIO(unix.SYS_READ, fd, p) }

func writeNoBlock(fd int, p []byte) (int, error) { return rawIO(unix.SYS_WRITE, fd, p) }

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
