// Command go-peer is a TLS 1.3 (or, with -tls12, TLS 1.2) peer built on Go's crypto/tls
// with its default settings (which offer and prefer X25519MLKEM768), for padlock's
// interop tests. Standard library only.
//
//	go-peer server -cert chain.pem -key key.pem [-tls12]
//	    listens on 127.0.0.1 (a free port), prints "listening <port>", and answers each
//	    connection's first line with "go-server group=<group> version=<version>".
//	go-peer client -addr 127.0.0.1:<port> -ca ca.pem -name localhost [-tls12]
//	    sends one HTTP/1.0 GET, prints "go-client group=<group> version=<version>" and
//	    then the answer.
//
// With -tls12 the peer speaks TLS 1.2 only; otherwise TLS 1.3 only.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: go-peer server|client [flags]")
	}
	switch os.Args[1] {
	case "server":
		server(os.Args[2:])
	case "client":
		client(os.Args[2:])
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func server(args []string) {
	flags := flag.NewFlagSet("server", flag.ExitOnError)
	certFile := flags.String("cert", "", "PEM certificate chain")
	keyFile := flags.String("key", "", "PEM private key")
	tls12 := flags.Bool("tls12", false, "speak TLS 1.2 only")
	_ = flags.Parse(args)
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	check(err)
	config := &tls.Config{Certificates: []tls.Certificate{cert}}
	limitVersion(config, *tls12)
	listener, err := tls.Listen("tcp", "127.0.0.1:0", config)
	check(err)
	fmt.Printf("listening %d\n", listener.Addr().(*net.TCPAddr).Port)
	for {
		conn, err := listener.Accept()
		check(err)
		go answer(conn.(*tls.Conn))
	}
}

func answer(conn *tls.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := conn.Handshake(); err != nil {
		fmt.Fprintf(os.Stderr, "handshake: %v\n", err)
		return
	}
	if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
		fmt.Fprintf(os.Stderr, "read: %v\n", err)
		return
	}
	state := conn.ConnectionState()
	fmt.Fprintf(conn, "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\ngo-server group=%s version=%s\n",
		state.CurveID, tls.VersionName(state.Version))
}

func client(args []string) {
	flags := flag.NewFlagSet("client", flag.ExitOnError)
	addr := flags.String("addr", "", "host:port")
	caFile := flags.String("ca", "", "PEM CA certificate")
	name := flags.String("name", "localhost", "server name")
	tls12 := flags.Bool("tls12", false, "speak TLS 1.2 only")
	_ = flags.Parse(args)
	pem, err := os.ReadFile(*caFile)
	check(err)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fail("no certificate in " + *caFile)
	}
	config := &tls.Config{RootCAs: roots, ServerName: *name}
	limitVersion(config, *tls12)
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", *addr, config)
	check(err)
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	state := conn.ConnectionState()
	fmt.Printf("go-client group=%s version=%s\n", state.CurveID, tls.VersionName(state.Version))
	_, err = io.WriteString(conn, "GET / HTTP/1.0\r\n\r\n")
	check(err)
	body, err := io.ReadAll(io.LimitReader(conn, 1<<20))
	os.Stdout.Write(body)
	check(err)
}

// limitVersion makes config speak TLS 1.2 only (tls12) or TLS 1.3 only.
func limitVersion(config *tls.Config, tls12 bool) {
	if tls12 {
		config.MinVersion, config.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	} else {
		config.MinVersion = tls.VersionTLS13
	}
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(why string) {
	fmt.Fprintln(os.Stderr, "go-peer:", why)
	os.Exit(1)
}
