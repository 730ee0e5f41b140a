#!/usr/bin/env python3
"""Writes bench/RESULTS-gpu.md from a scripts/gpu_box.sh run: the device (nvidia-smi), the test
summary, every benchmark's output as it printed it, and the achieved fraction of the device's
FP64 roofline for the HMC throughput rows (FLOPs per gradient from bench/flops.json times
gradients per second, over the peak of the device's datasheet).

usage: gpu_report.py BUILD_DIR OUT.md
"""
import datetime
import json
import os
import re
import subprocess
import sys

# FP64 (non-tensor) peak TFLOP/s and memory bandwidth TB/s from NVIDIA's datasheets.
PEAKS = {
    "H200": (34.0, 4.8, "NVIDIA H200 Tensor Core GPU datasheet (SXM): FP64 34 TFLOPS, 4.8 TB/s"),
    "H100": (34.0, 3.35, "NVIDIA H100 datasheet (SXM): FP64 34 TFLOPS, 3.35 TB/s"),
    "A100": (9.7, 2.0, "NVIDIA A100 datasheet (SXM 80GB): FP64 9.7 TFLOPS, 2.0 TB/s"),
}
# What scripts/gpu_box.sh ran for each output file (bench/<name>.txt).
COMMANDS = {
    "hmc_throughput": "hmc_throughput --quick", "nuts_ess": "nuts_ess --quick", "chees_throughput": "chees_throughput --quick",
    "ensemble_throughput": "ensemble_throughput --quick", "sbi_throughput": "sbi_throughput",
    "glmm_radon": "glmm_radon --quick",
    "demo_4096": "lockstep sample eight_schools_noncentered, 4096 chains, 1000 + 1000, end to end",
    "demo_65536": "lockstep sample eight_schools_noncentered, 65536 chains, 1000 + 1000, end to end",
}
WORKLOAD_OF = {"eight_schools_noncentered": "eight_schools", "gaussian": "gauss100_ill"}


def smi(query):
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=" + query, "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=30).stdout.strip().splitlines()
        return out[0] if out else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main():
    build, out_path = sys.argv[1], sys.argv[2]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    flops = json.load(open(os.path.join(root, "bench", "flops.json")))["workloads"]
    name = smi("name")
    peak = next((v for k, v in PEAKS.items() if k in name), None)
    lines = ["# lockstep on a GPU (scripts/gpu_box.sh)", "",
             f"Generated {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC by `bash scripts/gpu_box.sh`. Every figure",
             "below was measured on the device named here, in one run.", "",
             "| device | driver | SM clock max | memory clock max | memory |", "|---|---|---|---|---|",
             f"| {name} | {smi('driver_version')} | {smi('clocks.max.sm')} | {smi('clocks.max.mem')} | "
             f"{smi('memory.total')} |", ""]
    ctest = os.path.join(build, "ctest.log")
    if os.path.exists(ctest):
        text = open(ctest).read().splitlines()
        summary = [l for l in text if "tests passed" in l or "tests failed" in l or "Total Test time" in l]
        if "The following tests FAILED:" in text:
            summary += text[text.index("The following tests FAILED:"):][:60]
        lines += ["## Tests", "", "```", *(l.rstrip() for l in summary), "```", ""]
    roof = []
    order = ["hmc_throughput", "nuts_ess", "chees_throughput", "ensemble_throughput", "sbi_throughput",
             "glmm_radon", "demo_4096", "demo_65536"]
    found = sorted(f[:-4] for f in os.listdir(os.path.join(build, "bench")) if f.endswith(".txt")) \
        if os.path.isdir(os.path.join(build, "bench")) else []
    for bench in [b for b in order if b in found] + [b for b in found if b not in order]:
        text = open(os.path.join(build, "bench", bench + ".txt")).read()
        title = COMMANDS.get(bench, bench)
        lines += [f"## {title}", "", "```", text.rstrip(), "```", ""]
        if bench == "hmc_throughput" and peak:
            for m in re.finditer(r"^(\S+)\s+(\d+)\s+\d+\s+[\d.]+\s+\d+\s+([\d.e+]+)", text, re.M):
                w = flops.get(WORKLOAD_OF.get(m.group(1), ""), None)
                if not w:
                    continue
                rate = float(m.group(3))
                per = w["flops_per_gradient"] + w["leapfrog_flops_per_gradient"]
                achieved = rate * per / 1e12
                roof.append(f"| {m.group(1)} | {m.group(2)} | {rate:.3g} | {per} | {achieved:.3g} | "
                            f"{100 * achieved / peak[0]:.2f}% |")
    if roof:
        lines += ["## Distance to the FP64 roofline (hmc_throughput)", "",
                  f"Peak: {peak[2]}. FLOPs per gradient: bench/flops.json (model plus leapfrog).", "",
                  "| workload | chains | gradients/s | FLOPs/gradient | TFLOP/s | of FP64 peak |",
                  "|---|---|---|---|---|---|", *roof, ""]
    open(out_path, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
