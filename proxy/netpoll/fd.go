package netpoll

import "syscall"

// rawFD reads the descriptor number of conn once. The connection keeps owning
// the descriptor; callers do their I/O through the connection's RawConn so a
// close can never free the number while a read is running.
func rawFD(conn syscall.Conn) (int, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return -1, ErrNoFD
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return -1, err
	}
	if fd < 0 {
		return -1, ErrNoFD
	}
	return fd, nil
}
