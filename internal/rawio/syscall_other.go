//go:build !linux

package rawio

import "golang.org/x/sys/unix"

// Read reads from a non-blocking descriptor; elsewhere than on Linux it is
// the ordinary, announced call.
func Read(fd int, p []byte) (int, error) { return unix.Read(fd, p) }

// Write writes to a non-blocking descriptor, as Read.
func Write(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
