#!/usr/bin/env python3
"""scripts/kernel_shapes.py BUILD_LOG [--arch 90]: every CUDA kernel of a build and its launch shape.

Reads nvcc's --resource-usage lines from a build log (scripts/gpu_box.sh writes build-gpu/build.log):
for each entry function, the registers per thread, the stack frame and the spills ptxas reported.
Every lockstep kernel is host/backend/cuda_launch.hpp's lanes_kernel<F> for one functor type F, so
the functor names the kernel. For each it computes the block size that
cudaOccupancyMaxPotentialBlockSize will choose on the architecture (the block size, a multiple of
the warp, that maximizes resident warps per multiprocessor, the largest such on ties, as the CUDA
runtime's occupancy calculator does), from the per-architecture limits below (CUDA C Programming
Guide, "Compute Capabilities", technical specifications table). On a device the benchmarks print
what the runtime actually chose (bench_common.hpp's print_launch_shapes); this table is the
compile-time view of the same thing, and names every kernel.

Prints a markdown table: kernel (functor), registers/thread, stack bytes, spill bytes, predicted
threads/block, resident warps per multiprocessor (of the maximum).
"""
import argparse
import re
import subprocess
import sys

# compute capability major*10+minor -> (registers per SM, max threads per SM, max blocks per SM,
# register allocation unit per warp, max threads per block)
LIMITS = {
    70: (65536, 2048, 32, 256, 1024),
    75: (65536, 1024, 16, 256, 1024),
    80: (65536, 2048, 32, 256, 1024),
    86: (65536, 1536, 16, 256, 1024),
    89: (65536, 1536, 24, 256, 1024),
    90: (65536, 2048, 32, 256, 1024),
    100: (65536, 2048, 32, 256, 1024),
    120: (65536, 1536, 32, 256, 1024),
}
WARP = 32


def resident_warps(block, regs, arch):
    """Warps resident on one multiprocessor with blocks of `block` threads."""
    regs_sm, threads_sm, blocks_sm, unit, max_block = LIMITS[arch]
    if block > max_block:
        return 0
    warps_per_block = (block + WARP - 1) // WARP
    regs_per_warp = ((max(regs, 1) * WARP + unit - 1) // unit) * unit
    by_regs = (regs_sm // regs_per_warp) // warps_per_block
    by_threads = threads_sm // (warps_per_block * WARP)
    return min(by_regs, by_threads, blocks_sm) * warps_per_block


def best_block(regs, arch):
    best, best_warps = 0, -1
    for block in range(LIMITS[arch][4], 0, -WARP):
        w = resident_warps(block, regs, arch)
        if w > best_warps:
            best, best_warps = block, w
    return best, best_warps


def demangle(names):
    if not names:
        return {}
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True).stdout.splitlines()
    return dict(zip(names, out)) if len(out) == len(names) else {n: n for n in names}


def functor_of(kernel):
    """lanes_kernel<F>(int, F) -> F, shortened: no lockstep:: prefixes, no return type."""
    m = re.search(r"lanes_kernel<(.*)>\(int, .*\)$", kernel)
    name = m.group(1) if m else kernel
    return name.replace("lockstep::", "")


def parse(log_text):
    kernels = {}
    current = None
    for line in log_text.splitlines():
        m = re.search(r"Compiling entry function '([^']+)' for 'sm_(\d+)'", line)
        if m:
            current = (m.group(1), int(m.group(2)))
            kernels.setdefault(current, {"regs": 0, "stack": 0, "spill": 0})
            continue
        if current is None:
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m:
            kernels[current]["stack"] = int(m.group(1))
            kernels[current]["spill"] = int(m.group(2)) + int(m.group(3))
        m = re.search(r"Used (\d+) registers", line)
        if m:
            kernels[current]["regs"] = int(m.group(1))
            current = None
    return kernels


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--arch", type=int, default=None, help="compute capability as 90 (default: the log's)")
    args = ap.parse_args()
    with open(args.log, errors="replace") as f:
        kernels = parse(f.read())
    if not kernels:
        sys.exit(f"kernel_shapes: no 'Compiling entry function' lines in {args.log} (build with --resource-usage)")
    archs = sorted({a for _, a in kernels})
    arch = args.arch if args.arch is not None else archs[-1]
    if arch not in LIMITS:
        sys.exit(f"kernel_shapes: no limits for sm_{arch} (known: {', '.join(map(str, sorted(LIMITS)))})")
    names = demangle(sorted({k for k, a in kernels if a == arch}))
    rows = {}
    for (k, a), r in kernels.items():
        if a != arch:
            continue
        f = functor_of(names.get(k, k))
        prev = rows.get(f)
        if prev is None or r["regs"] > prev["regs"]:  # the same kernel from several sources: the same code
            rows[f] = r
    max_warps = LIMITS[arch][1] // WARP
    print(f"Kernels of the build for sm_{arch}: {len(rows)} (every one is lanes_kernel<F> of "
          f"host/backend/cuda_launch.hpp; grid = ceil(lanes / block), a grid-stride loop)\n")
    print("| kernel (functor F) | registers/thread | stack B | spill B | threads/block (occupancy API) | resident warps/SM |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for f in sorted(rows, key=lambda x: (-rows[x]["regs"], x)):
        r = rows[f]
        block, warps = best_block(r["regs"], arch)
        short = f if len(f) <= 160 else f[:157] + "..."
        print(f"| `{short}` | {r['regs']} | {r['stack']} | {r['spill']} | {block} | {warps} of {max_warps} |")


if __name__ == "__main__":
    main()
