// Package hugeheap asks Linux to back the Go heap that a batch run is
// about to grow with transparent huge pages.
//
// Where the kernel gives huge pages only on request (transparent_hugepage
// "madvise"), the Go runtime never
// requests them for its heap, so a run that grows its heap by hundreds of
// MB takes one page fault per 4 KiB. On the virtual machines issue 16 was
// measured on, that fault costs about 10 µs of CPU (a third of lint's CPU
// time on a 40,000-backend template); a 2 MiB huge page costs about 160 µs
// for the memory of 512 of them (docs/benchmarks.md).
//
// Prepare maps the heap ahead of use: it allocates one block of the size
// asked for, which the runtime maps fresh and does not touch, advises the
// kernel to use huge pages for it (madvise MADV_HUGEPAGE), and frees it at
// once. The runtime then places the run's objects in that memory, lowest
// addresses first, and the first touch of each 2 MiB faults in one huge
// page. Nothing is touched in advance: memory the run never uses costs
// address space only.
package hugeheap
