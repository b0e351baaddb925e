package hugeheap

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// Prepare maps about n bytes of fresh Go heap ahead of use with the advice
// to back them with transparent huge pages, and returns the bytes advised.
// It does nothing (0) where the advice would change nothing or is not
// wanted: the kernel's transparent_hugepage setting is not "madvise"
// ("always" gives huge pages anyway, "never" none), GODEBUG has
// disablethp=1, n is below one huge page, or the kernel or a resource
// limit could refuse the mapping. It collects garbage once
// (debug.FreeOSMemory) to free the block, so it belongs before a large
// input is read, while the heap is small.
func Prepare(n int64) int64 {
	huge := hugePageSize()
	if huge == 0 || n < huge || unsafe.Sizeof(uintptr(0)) < 8 || !advised(readSetting("enabled"), os.Getenv("GODEBUG")) {
		return 0
	}
	// The block is address space until touched, but a kernel that
	// accounts every mapping (vm.overcommit_memory 2) charges it in full,
	// and the runtime cannot survive a refused mapping; nor is more than
	// half the machine's memory worth asking for.
	if strings.TrimSpace(readFile("/proc/sys/vm/overcommit_memory")) == "2" {
		return 0
	}
	// Nor can it survive a mapping beyond a limit on the address space
	// or the data segment (ulimit -v, ulimit -d): with either set, the
	// advice is not worth the risk.
	var as, data syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &as) != nil || syscall.Getrlimit(syscall.RLIMIT_DATA, &data) != nil ||
		bounded(as.Cur, data.Cur) {
		return 0
	}
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		n = min(n, int64(uint64(si.Totalram)*uint64(si.Unit)/2))
		if n < huge {
			return 0
		}
	}
	// One huge page more, so that n bytes fit between the aligned ends.
	size := (n + 2*huge - 1) / huge * huge
	b := make([]byte, size)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	beg := (base + uintptr(huge) - 1) &^ (uintptr(huge) - 1)
	end := (base + uintptr(size)) &^ (uintptr(huge) - 1)
	var done int64
	if syscall.Madvise(b[beg-base:end-base], syscall.MADV_HUGEPAGE) == nil {
		done = int64(end - beg)
	}
	b = nil
	// Free the block and return it to the kernel untouched, so that it
	// counts as released memory (as fresh memory does), not as a free
	// heap the scavenger works to give back.
	debug.FreeOSMemory()
	return done
}

// advised reports whether the kernel setting (the contents of
// /sys/kernel/mm/transparent_hugepage/enabled, the selected mode in
// brackets) gives huge pages on request only, and GODEBUG does not
// disable them.
func advised(setting, godebug string) bool {
	if !strings.Contains(setting, "[madvise]") {
		return false
	}
	off := false
	for kv := range strings.SplitSeq(godebug, ",") {
		if k, v, _ := strings.Cut(strings.TrimSpace(kv), "="); k == "disablethp" {
			off = v != "0" // the last setting wins, as in the runtime
		}
	}
	return !off
}

// bounded reports whether any of the resource limits is finite.
func bounded(limits ...uint64) bool {
	for _, l := range limits {
		if l != unlimited {
			return true
		}
	}
	return false
}

// unlimited is RLIM_INFINITY.
const unlimited = ^uint64(0)

// hugePageSize is the kernel's transparent huge page size (2 MiB on
// x86-64), 0 when the kernel has none.
func hugePageSize() int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(readSetting("hpage_pmd_size")), 10, 64)
	if err != nil || n <= 0 || n&(n-1) != 0 {
		return 0
	}
	return n
}

// readSetting reads a transparent huge page setting ("" when absent).
func readSetting(name string) string {
	return readFile("/sys/kernel/mm/transparent_hugepage/" + name)
}

func readFile(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	return string(b)
}
