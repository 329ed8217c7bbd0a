"""Time ``python main.py`` on the example against a reference app built on the prebuilt provider package,
and ``ppmi validate`` against bare interpreter start-up.

The reference (bench/reference/main.py) declares the same resources with ``cdktf-cdktf-provider-azurerm``
and ``cdktf-cdktf-provider-azuread``, installed only into a bench venv under ``.bench/`` (created on
first run), never into the project venv. Each app runs N times in a fresh output folder; the report
gives the median wall time, the peak resident memory of the whole process tree (Python plus the
jsii Node process, sampled from /proc, and never below the largest single process from ``wait4``),
and the ratios. Run: ``make bench`` or ``.venv/bin/python bench/run.py --runs 5``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".bench" / "venv"
REFERENCE_PACKAGES = ["cdktf==0.21.0", "cdktf-cdktf-provider-azurerm", "cdktf-cdktf-provider-azuread", "PyYAML", "jsonschema", "cryptography"]
TARGET_SECONDS = 1.0
TARGET_MIB = 250
TARGET_SPEEDUP = 8.0
TARGET_VALIDATE_SECONDS = 0.3
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Run:
    seconds: float
    peak_mib: float


def ensure_bench_venv() -> Path:
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {BENCH_VENV} with the prebuilt provider packages (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "requirements.lock"), *REFERENCE_PACKAGES],
            check=True,
        )
    return python


def _tree_rss_kib(root_pid: int) -> int:
    """Resident memory of ``root_pid`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


def measure(command: list[str], environment: dict[str, str]) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kib = 0
    while process.poll() is None:
        peak_kib = max(peak_kib, _tree_rss_kib(process.pid))
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode() if process.stderr else ''}")
    return Run(seconds=seconds, peak_mib=peak_kib / 1024)


def measure_max_single_rss(command: list[str], environment: dict[str, str]) -> float:
    """The largest single process of the tree (``wait4``'s ``ru_maxrss`` covers reaped descendants)."""
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_maxrss / 1024


def bench(name: str, command: list[str], runs: int, config: str, extra: dict[str, str]) -> tuple[float, float]:
    times, peaks = [], []
    for index in range(runs):
        with tempfile.TemporaryDirectory(prefix="ppmi-bench-") as outdir:
            environment = {**os.environ, **extra, "PPMI_CONFIG": config, "CDKTF_OUTDIR": str(Path(outdir) / "cdktf.out")}
            run = measure(command, environment)
            if index == 0:
                run.peak_mib = max(run.peak_mib, measure_max_single_rss(command, environment))
        times.append(run.seconds)
        peaks.append(run.peak_mib)
        print(f"  {name} run {index + 1}: {run.seconds:.3f} s, {run.peak_mib:.0f} MiB", file=sys.stderr)
    return statistics.median(times), max(peaks)


def bench_validate(runs: int, config: str) -> list[tuple[bool, str]]:
    """``ppmi validate`` on the example, with the interpreter's own start-up as the reference."""
    environment = dict(os.environ)
    validate = [sys.executable, "-m", "ppmi.cli", "validate", config]
    startup = [sys.executable, "-c", "pass"]
    validate_times = [measure(validate, environment).seconds for _ in range(runs)]
    startup_times = [measure(startup, environment).seconds for _ in range(runs)]
    validate_seconds, startup_seconds = statistics.median(validate_times), statistics.median(startup_times)
    print(f"{'':<22}{'median wall':>12}")
    print(f"{'ppmi validate':<22}{validate_seconds:>10.3f} s")
    print(f"{'python -c pass':<22}{startup_seconds:>10.3f} s")
    print(f"{'ratio validate/start':<22}{validate_seconds / startup_seconds:>11.1f}x")
    return [(validate_seconds < TARGET_VALIDATE_SECONDS, f"validate median under {TARGET_VALIDATE_SECONDS:.1f} s")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ppmi benchmarks: synth against the prebuilt provider package, validate")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--config", default="examples/ppmi.yaml")
    parser.add_argument("--only", choices=("synth", "validate"), help="run one benchmark (default: both)")
    args = parser.parse_args(argv)
    verdicts = bench_validate(args.runs, args.config) if args.only != "synth" else []
    if args.only == "validate":
        return report(verdicts)
    reference_python = ensure_bench_venv()
    ppmi_seconds, ppmi_mib = bench("ppmi", [sys.executable, "main.py"], args.runs, args.config, {})
    reference = [str(reference_python), "bench/reference/main.py"]
    ref_seconds, ref_mib = bench("reference", reference, args.runs, args.config, {"PYTHONPATH": str(ROOT)})
    speedup = ref_seconds / ppmi_seconds
    memory_ratio = ref_mib / ppmi_mib
    rows = [
        ("", "median wall", "peak RSS"),
        ("ppmi (lean wrappers)", f"{ppmi_seconds:.3f} s", f"{ppmi_mib:.0f} MiB"),
        ("reference (prebuilt)", f"{ref_seconds:.3f} s", f"{ref_mib:.0f} MiB"),
        ("ratio reference/ppmi", f"{speedup:.1f}x", f"{memory_ratio:.1f}x"),
    ]
    for row in rows:
        print(f"{row[0]:<22}{row[1]:>12}{row[2]:>12}")
    verdicts += [
        (ppmi_seconds < TARGET_SECONDS, f"synth median under {TARGET_SECONDS:.1f} s"),
        (ppmi_mib < TARGET_MIB, f"synth peak under {TARGET_MIB} MiB"),
        (speedup >= TARGET_SPEEDUP, f"synth at least {TARGET_SPEEDUP:.0f}x faster than the reference"),
    ]
    return report(verdicts)


def report(verdicts: list[tuple[bool, str]]) -> int:
    for ok, target in verdicts:
        print(f"{'ok  ' if ok else 'MISS'} {target}")
    return 0 if all(ok for ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
