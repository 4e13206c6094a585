package main

import (
	"crypto/tls"
	"net"
	"runtime/debug"
	"strconv"
	"time"
)

const (
	// startingGCPercent is the API server's GOGC until it serves. Most of its first second
	// is one goroutine building storage, handlers and OpenAPI documents; at the GOGC it is
	// given for memory (50) the collector ran so often that its assists slowed that
	// goroutine and its workers took the other core: it served 0.2 to 0.3 s later.
	startingGCPercent = 400
	// heapReturnDelay: how long after it serves the heap left over from the start is given
	// back, its post-start hooks and the controllers' first lists done by then.
	heapReturnDelay  = 3 * time.Second
	servingWaitLimit = time.Minute
)

// relaxGCWhileStarting lets the API server's heap grow freely until it serves, then puts
// back the GOGC it was started with and, a little later, returns the spare heap to the
// system. GOGC off, or already as relaxed, is left alone.
func relaxGCWhileStarting(args []string) {
	steady := debug.SetGCPercent(startingGCPercent)
	if steady < 0 || steady >= startingGCPercent {
		debug.SetGCPercent(steady)
		return
	}
	go func() {
		awaitServing(apiServerAddress(args), servingWaitLimit)
		debug.SetGCPercent(steady)
		time.Sleep(heapReturnDelay)
		debug.FreeOSMemory()
	}()
}

// apiServerAddress is where the server's --bind-address and --secure-port say it listens,
// an unspecified or missing address read as the loopback one.
func apiServerAddress(args []string) string {
	host := flagValue(args, "bind-address")
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	port := flagValue(args, "secure-port")
	if _, err := strconv.Atoi(port); err != nil {
		port = "6443"
	}
	return net.JoinHostPort(host, port)
}

// awaitServing returns once a TLS handshake with address completes, or after limit. The
// listener is open long before the server accepts on it; a completed handshake means it
// serves. Nothing is sent or trusted over the connection, so its certificate is not checked.
func awaitServing(address string, limit time.Duration) {
	dialer := &net.Dialer{Timeout: time.Second}
	probe := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // see above: the handshake is the signal
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		conn, err := tls.DialWithDialer(dialer, "tcp", address, probe)
		if err == nil {
			_ = conn.Close()
			return
		}
	}
}
