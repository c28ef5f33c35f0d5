//go:build cluster

package faulttest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// Every node of the test cluster is a host of its own for the network: it
// runs in its own cgroup v2 (cluster.sh, RENTAL_NODE_CGROUP), and an
// nftables table of the tests' own marks each packet with its sender's node
// (output hook, by the sending socket's cgroup) and drops it in the input
// hook when the receiving socket's node is on the other side of a cut. All
// traffic stays on the loopback interface; addresses and ports stay those of
// the cluster, so the same cluster.sh serves make up and the tests. The
// test process itself, cluster.sh and rentalctl are in no node's cgroup:
// the operator's view is never cut.
//
// Kernel facts checked on this machine (2026-12-02, again 2026-12-03 inside a
// network namespace): no sch_netem (CONFIG_NET_SCH_NETEM is not set, and `tc
// qdisc add ... netem` answers "Specified qdisc kind is unknown"), and no
// nft_queue, so the kernel cannot delay packets: packet loss uses nftables'
// numgen, and delay a proxy per connection (delay_test.go).

// nftTable is the tests' nftables table (inet family); removed by name at the
// start and the end of every run, so a failed run leaves nothing behind.
const nftTable = "rental_faulttest"

// clusterNodes are the nodes cluster.sh starts, each in its own cgroup.
var clusterNodes = []string{"galera1", "galera2", "galera3", "haproxy", "redis1", "redis2",
	"sentinel1", "sentinel2", "sentinel3", "api1", "api2", "worker1", "worker2"}

// cgroup2Root is where the cgroup v2 hierarchy is mounted ("" if nowhere).
func cgroup2Root() string {
	f, err := os.Open("/proc/mounts")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 2 && fields[2] == "cgroup2" {
			return fields[1]
		}
	}
	return ""
}

// nftCgroup is a node's cgroup as nftables names it: relative to
// /sys/fs/cgroup, which is the v2 root itself or holds it ("unified" on a
// hybrid hierarchy); level 2 below the v2 root.
func nftCgroup(node string) string {
	rel, err := filepath.Rel("/sys/fs/cgroup", cgroup2Root())
	if err != nil || rel == "." {
		rel = ""
	}
	return filepath.Join(rel, nodeCgroup, node)
}

// removeCgroups removes the nodes' cgroups (only empty ones can go).
func removeCgroups() {
	root := cgroup2Root()
	if root == "" {
		return
	}
	dir := filepath.Join(root, nodeCgroup)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir)
}

// nft runs nft with a script on stdin.
func nft(script string) error {
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft: %v: %s\n%s", err, out, script)
	}
	return nil
}

// dropNftTable removes the tests' table if it is there.
func dropNftTable() {
	_ = exec.Command("nft", "delete", "table", "inet", nftTable).Run()
}

// network is the tests' control over the links between nodes.
type network struct {
	t       *testing.T
	mark    map[string]int
	proxies []*delayProxy // slow links (delay_test.go)
}

// newNetwork installs the tests' nftables table with no cut; it is removed
// when the test ends. It skips when this machine cannot do it.
func newNetwork(t *testing.T) *network {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("cutting links needs root (nftables, cgroups)")
	}
	if cgroup2Root() == "" {
		t.Skip("no cgroup v2 hierarchy mounted: nodes cannot be told apart on the loopback interface")
	}
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("nft is not installed (apt-get install nftables)")
	}
	n := &network{t: t, mark: map[string]int{}}
	var out strings.Builder
	for i, node := range clusterNodes {
		if _, err := os.Stat(filepath.Join(cgroup2Root(), nodeCgroup, node)); err != nil {
			t.Fatalf("node %s has no cgroup (was the cluster started with RENTAL_NODE_CGROUP?): %v", node, err)
		}
		n.mark[node] = 0x52460000 + i + 1
		fmt.Fprintf(&out, "    socket cgroupv2 level 2 %q meta mark set 0x%x\n", nftCgroup(node), n.mark[node])
	}
	dropNftTable()
	if err := nft(fmt.Sprintf(`table inet %s {
  chain out {
    type filter hook output priority 0; policy accept;
%s  }
  chain cut {
    type filter hook input priority 0; policy accept;
  }
  chain %s {
    type nat hook output priority -100; policy accept;
  }
}
`, nftTable, out.String(), slowChain)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropNftTable(); n.unslow() })
	return n
}

// rule is one input-hook rule: packets sent by from and received by to.
func (n *network) rule(from, to, action string) string {
	return fmt.Sprintf("add rule inet %s cut meta mark 0x%x socket cgroupv2 level 2 %q %s\n",
		nftTable, n.mark[from], nftCgroup(to), action)
}

// cut drops every packet between a node of one side and a node of the other
// (both ways), until heal.
func (n *network) cut(a, b []string) {
	n.t.Helper()
	var s strings.Builder
	for _, x := range a {
		for _, y := range b {
			s.WriteString(n.rule(x, y, "drop"))
			s.WriteString(n.rule(y, x, "drop"))
		}
	}
	if err := nft(s.String()); err != nil {
		n.t.Fatal(err)
	}
	n.t.Logf("network: cut %v from %v", a, b)
}

// cutPorts drops the packets between from and the given ports of to, both
// ways: from's connections to those ports, not to's other ones.
func (n *network) cutPorts(from, to string, ports ...int) {
	n.t.Helper()
	set := make([]string, len(ports))
	for i, p := range ports {
		set[i] = fmt.Sprint(p)
	}
	ps := "{ " + strings.Join(set, ", ") + " }"
	if err := nft(n.rule(from, to, "tcp dport "+ps+" drop") + n.rule(to, from, "tcp sport "+ps+" drop")); err != nil {
		n.t.Fatal(err)
	}
	n.t.Logf("network: cut %s from %s's ports %v", from, to, ports)
}

// isolate cuts the nodes of side from every other node.
func (n *network) isolate(side ...string) {
	n.t.Helper()
	n.cut(side, others(side...))
}

// lossy drops pct percent of the packets between node and every other node,
// both ways (nftables' random number per packet).
func (n *network) lossy(node string, pct int) {
	n.t.Helper()
	var s strings.Builder
	for _, y := range others(node) {
		s.WriteString(n.rule(node, y, fmt.Sprintf("numgen random mod 100 < %d drop", pct)))
		s.WriteString(n.rule(y, node, fmt.Sprintf("numgen random mod 100 < %d drop", pct)))
	}
	if err := nft(s.String()); err != nil {
		n.t.Fatal(err)
	}
	n.t.Logf("network: %d%% packet loss on every link of %s", pct, node)
}

// heal removes every cut.
func (n *network) heal() {
	n.t.Helper()
	if err := nft(fmt.Sprintf("flush chain inet %s cut\nflush chain inet %s %s\n", nftTable, nftTable, slowChain)); err != nil {
		n.t.Fatal(err)
	}
	n.unslow()
	n.t.Logf("network: healed")
}

// others are the cluster's nodes not in side.
func others(side ...string) []string {
	var out []string
	for _, n := range clusterNodes {
		if !contains(side, n) {
			out = append(out, n)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Disks that can fill up: the Redis nodes' and galera3's data directories
// are small tmpfs filesystems of the tests' own, mounted before the cluster
// starts; a test fills one with a file and removes it to heal.
var smallDisks = map[string]string{"redis1": "256m", "redis2": "256m", "galera3": "1g"}

// prepareDisks mounts the small filesystems (as root; otherwise the disk
// tests skip).
func prepareDisks() error {
	if os.Geteuid() != 0 {
		return nil
	}
	for node, size := range smallDisks {
		dir := filepath.Join(runDir, "data", node)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=755", "rental-faulttest-"+node, dir).CombinedOutput(); err != nil {
			return fmt.Errorf("mounting a %s tmpfs on %s: %v: %s", size, dir, err, out)
		}
	}
	return nil
}

// releaseDisks unmounts every filesystem mounted under the run directory
// (deepest first).
func releaseDisks() {
	raw, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return
	}
	var mounts []string
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], runDir+"/") {
			mounts = append(mounts, f[1])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(mounts)))
	for _, m := range mounts {
		if err := syscall.Unmount(m, 0); err != nil {
			_ = syscall.Unmount(m, syscall.MNT_DETACH)
		}
	}
}

// fillDisk fills a node's small filesystem (leaving nothing free) and
// returns the function that frees it again.
func fillDisk(t *testing.T, node string) func() {
	t.Helper()
	dir := filepath.Join(runDir, "data", node)
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || st.Type != 0x01021994 { // TMPFS_MAGIC
		t.Skipf("%s is not on a tmpfs of the test's own (run as root from a fresh test cluster)", dir)
	}
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			break // ENOSPC: full
		}
	}
	f.Close()
	t.Logf("disk of %s full (%s)", node, dir)
	freed := false
	free := func() {
		if !freed {
			freed = true
			_ = os.Remove(filler)
			t.Logf("disk of %s freed", node)
		}
	}
	t.Cleanup(free)
	return free
}
