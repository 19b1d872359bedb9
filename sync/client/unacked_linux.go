package client

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// unacked returns how many bytes written to conn's socket the peer has not
// acknowledged yet (SIOCOUTQ), and whether the system could tell.
func unacked(conn net.Conn) (int, bool) {
	for {
		inner, ok := conn.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		conn = inner.NetConn()
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return 0, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var n int
	var ierr error
	if err := raw.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil || ierr != nil {
		return 0, false
	}
	return n, true
}
