//go:build cluster

package faulttest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Slow links without netem. This kernel has no sch_netem (tc answers
// "Specified qdisc kind is unknown", also inside a network namespace of the
// test's own) and nftables cannot delay a packet, so a slow node's TCP
// connections are sent through a proxy in the test process that holds every
// chunk of data for the delay in each direction: an nftables nat chain of the
// tests' table (output hook, by the connecting socket's cgroup) redirects
// the connections of the other nodes to the slow node's ports, and the slow
// node's own connections to the others' ports, to the proxies. The bytes,
// their order and the TCP semantics stay those of a direct connection; what
// is not reproduced is per-packet delay below TCP (the loopback link itself
// stays fast, so retransmission timers never see the delay). The test
// process, cluster.sh and rentalctl are in no node's cgroup and keep direct
// connections. Established connections of the slow node are aborted (ss -K)
// once the rules are in, so that every connection reconnects through its proxy.

// slowChain is the nat chain of nftTable that redirects slow connections.
const slowChain = "slow"

// delayProxy forwards connections to target, holding each chunk of data for
// delay in each direction.
type delayProxy struct {
	ln     net.Listener
	target string
	delay  time.Duration

	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup
}

func startDelayProxy(target string, delay time.Duration) (*delayProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("delay proxy for %s: %w", target, err)
	}
	p := &delayProxy{ln: ln, target: target, delay: delay, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *delayProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *delayProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(c.(*net.TCPConn))
		}()
	}
}

// track remembers a connection to close with the proxy (false once closed).
func (p *delayProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *delayProxy) forward(client *net.TCPConn) {
	if !p.track(client) {
		return
	}
	defer client.Close()
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		return // the client sees its connection close, as if refused
	}
	server := up.(*net.TCPConn)
	if !p.track(server) {
		return
	}
	defer server.Close()
	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); p.pipe(server, client) }()
	go func() { defer both.Done(); p.pipe(client, server) }()
	both.Wait()
}

// pipe copies src to dst, each chunk delay after it was read; src's end
// (FIN) reaches dst delay late too. A chunk of 32 KiB at most, and at most
// 4096 chunks in flight, keep the order and bound the memory.
func (p *delayProxy) pipe(dst, src *net.TCPConn) {
	type chunk struct {
		b   []byte // nil: src ended
		due time.Time
	}
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{b: buf[:n], due: time.Now().Add(p.delay)}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					q <- chunk{due: time.Now().Add(p.delay)}
				}
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.due))
		if c.b == nil {
			_ = dst.CloseWrite()
			continue
		}
		if _, err := dst.Write(c.b); err != nil {
			dst.Close()
			src.Close()
			for range q {
			}
			return
		}
	}
	// src failed (reset, or the proxy closed): the other side fails too.
	dst.Close()
}

// close stops the proxy and closes every connection through it.
func (p *delayProxy) close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

// listeningPorts are the TCP ports a node's processes listen on.
func listeningPorts(node string) ([]int, error) {
	out, err := exec.Command("ss", "-tlnH", "cgroup", "/"+nodeCgroup+"/"+node).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("ss -tln cgroup %s: %v: %s", node, err, out)
	}
	var ports []int
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		i := strings.LastIndexByte(f[3], ':')
		if p, err := strconv.Atoi(f[3][i+1:]); err == nil && !containsInt(ports, p) {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// slow delays every TCP connection between node and the other nodes by
// delay in each direction, until heal.
func (n *network) slow(node string, delay time.Duration) {
	n.t.Helper()
	var rules strings.Builder
	redirect := func(client string, port int) {
		p, err := startDelayProxy(fmt.Sprintf("127.0.0.1:%d", port), delay)
		if err != nil {
			n.t.Fatal(err)
		}
		n.proxies = append(n.proxies, p)
		fmt.Fprintf(&rules, "add rule inet %s %s socket cgroupv2 level 2 %q tcp dport %d redirect to :%d\n",
			nftTable, slowChain, nftCgroup(client), port, p.port())
	}
	mine, err := listeningPorts(node)
	if err != nil {
		n.t.Fatal(err)
	}
	for _, other := range others(node) {
		theirs, err := listeningPorts(other)
		if err != nil {
			n.t.Fatal(err)
		}
		for _, p := range mine {
			redirect(other, p) // other → node
		}
		for _, p := range theirs {
			redirect(node, p) // node → other
		}
	}
	if err := nft(rules.String()); err != nil {
		n.t.Fatal(err)
	}
	// Connections made before the rules go on directly: abort them (both
	// ends see a reset) so that they reconnect through the proxies.
	if out, err := exec.Command("ss", "-K", "-tnH", "state", "established", "cgroup", "/"+nodeCgroup+"/"+node).CombinedOutput(); err != nil {
		n.t.Fatalf("ss -K: %v: %s", err, out)
	}
	n.t.Logf("network: %s of delay each way on every TCP connection of %s (ports %v)", delay, node, mine)
}

// unslow closes the proxies (their connections with them: the nodes
// reconnect directly once the rules are gone).
func (n *network) unslow() {
	for _, p := range n.proxies {
		p.close()
	}
	n.proxies = nil
}
