package hugeheap

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

func TestAdvised(t *testing.T) {
	for _, tc := range []struct {
		setting, godebug string
		want             bool
	}{
		{"always [madvise] never\n", "", true},
		{"always [madvise] never\n", "madvdontneed=1", true},
		{"always [madvise] never\n", "disablethp=0", true},
		{"always [madvise] never\n", "disablethp=1", false},
		{"always [madvise] never\n", "gctrace=1, disablethp=1", false},
		{"always [madvise] never\n", "disablethp=1,disablethp=0", true}, // the last one wins
		{"always [madvise] never\n", "disablethp=0,disablethp=1", false},
		{"[always] madvise never\n", "", false}, // huge pages without advice
		{"always madvise [never]\n", "", false},
		{"", "", false}, // no transparent huge pages in this kernel
	} {
		if got := advised(tc.setting, tc.godebug); got != tc.want {
			t.Errorf("advised(%q, %q) = %v, want %v", tc.setting, tc.godebug, got, tc.want)
		}
	}
}

func TestBounded(t *testing.T) {
	for _, tc := range []struct {
		limits []uint64
		want   bool
	}{
		{[]uint64{unlimited, unlimited}, false},
		{[]uint64{1 << 32, unlimited}, true},
		{[]uint64{unlimited, 1 << 32}, true},
		{nil, false},
	} {
		if got := bounded(tc.limits...); got != tc.want {
			t.Errorf("bounded(%v) = %v, want %v", tc.limits, got, tc.want)
		}
	}
}

// TestPrepareUnderAddressSpaceLimit runs Prepare in a child process whose
// address space is limited (ulimit -v) to 512 MiB above what it uses:
// a block of half the machine's memory would abort the runtime there.
func TestPrepareUnderAddressSpaceLimit(t *testing.T) {
	if os.Getenv("HUGEHEAP_CHILD") == "1" {
		limit := uint64(vmSize(t)) + 512<<20
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: unlimited}); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("prepared=%d\n", Prepare(64<<30))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPrepareUnderAddressSpaceLimit$", "-test.v")
	cmd.Env = append(os.Environ(), "HUGEHEAP_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "prepared=0\n") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// vmSize is the process's address space in bytes (VmSize).
func vmSize(t *testing.T) int64 {
	for line := range strings.Lines(readFile("/proc/self/status")) {
		if v, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmSize in /proc/self/status")
	return 0
}

func TestPrepareTooSmall(t *testing.T) {
	for _, n := range []int64{-1, 0, 1, 4096} {
		if got := Prepare(n); got != 0 {
			t.Errorf("Prepare(%d) = %d, want 0", n, got)
		}
	}
}

// TestPrepareAdvisesTheHeap checks, through the kernel's own account of
// the process's mappings (/proc/self/smaps), that memory the runtime hands
// out after Prepare lies in a mapping advised for huge pages.
func TestPrepareAdvisesTheHeap(t *testing.T) {
	if !advised(readSetting("enabled"), os.Getenv("GODEBUG")) || hugePageSize() == 0 {
		t.Skipf("transparent huge pages are not on request here (%q)", strings.TrimSpace(readSetting("enabled")))
	}
	if strings.TrimSpace(readFile("/proc/sys/vm/overcommit_memory")) == "2" {
		t.Skip("strict overcommit: Prepare does nothing")
	}
	const n = 64 << 20
	if got := Prepare(n); got < n {
		t.Fatalf("Prepare(%d) advised %d bytes", n, got)
	}
	b := make([]byte, 8<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	// Its middle: the block may start in free pages below the prepared
	// memory, and the advice starts at a huge page boundary.
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b))) + uintptr(len(b)/2)
	flags, hugeKB := mapping(t, addr)
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("the 8 MiB allocated after Prepare lie in a mapping without the huge page advice (VmFlags: %s)", flags)
	}
	// Whether the kernel found free huge pages depends on the machine's
	// fragmentation, so it is reported, not required.
	t.Logf("mapping holding the allocation: VmFlags %s, AnonHugePages %d kB", flags, hugeKB)
}

// mapping finds the mapping holding addr in /proc/self/smaps and returns
// its VmFlags and AnonHugePages (kB).
func mapping(t *testing.T, addr uintptr) (flags string, hugeKB int) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := vmaRange(line); ok {
			if in {
				break
			}
			in = lo <= addr && addr < hi
			continue
		}
		if !in {
			continue
		}
		if v, ok := strings.CutPrefix(line, "VmFlags:"); ok {
			flags = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			hugeKB, _ = strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if flags == "" {
		t.Fatalf("no mapping of /proc/self/smaps holds %#x", addr)
	}
	return flags, hugeKB
}

// vmaRange parses a mapping's header line ("lo-hi perms offset dev inode
// path").
func vmaRange(line string) (lo, hi uintptr, ok bool) {
	r, _, _ := strings.Cut(line, " ")
	l, h, ok := strings.Cut(r, "-")
	if !ok {
		return 0, 0, false
	}
	a, err1 := strconv.ParseUint(l, 16, 64)
	b, err2 := strconv.ParseUint(h, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(a), uintptr(b), true
}
