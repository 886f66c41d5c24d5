"""The integration gate against the selector it replaces, both timed as whole processes: BenchFlow's
`select_integration_provider.py` (vendored unchanged beside this file) as its workflow runs it,
and `integration-gate` as its action runs it. Run: `.venv/bin/python bench/gate.py [--rounds 7]`.

Both probe the same local provider stand-ins (`release_actions/rehearsal/providers.py`, in a
child process, as real providers would be), configured through the same variables: deepseek,
glm, qwen, litellm and openai (the selector probes GitHub Models at a fixed URL, so it is left
out). A hung server reads the request and never answers. The selector's timeout is fixed at 25 s per
provider; the gate is given the same 25 s. Each server counts the requests it received."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from release_actions.rehearsal.providers import HANG, OK, fake_providers  # noqa: E402

SEED = ROOT / "bench" / "select_integration_provider.py"
SEED_TIMEOUT = 25.0  # fixed in the selector
# (provider, key variable, base-URL variable), in the selector's priority order.
PROVIDERS = (
    ("deepseek", "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL"),
    ("glm", "GLM_API_KEY", "GLM_BASE_URL"),
    ("qwen", "QWEN_API_KEY", "QWEN_BASE_URL"),
    ("litellm", "LITELLM_API_KEY", "LITELLM_BASE_URL"),
    ("openai", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
)
# How the composite action starts a command (bootstrap/run.sh).
GATE = ("-I", "-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); "
        "from release_actions.cli import main; raise SystemExit(main())", str(ROOT / "src"),
        "integration-gate")


@dataclass(frozen=True)
class Scenario:
    label: str
    behaviours: tuple[str, ...]  # one per provider, in priority order
    hung: bool  # waits out hung servers: one run is enough, and --quick skips it


SCENARIOS = (
    Scenario("(a) deepseek answers (all five live)", (OK,) * 5, hung=False),
    Scenario("(b) deepseek, glm, qwen hung; litellm answers", (HANG, HANG, HANG, OK, OK),
             hung=True),
    Scenario("(c) all fail fast (401, 404, 429, 500, reset)",
             ("401", "404", "429", "500", "reset"), hung=False),
)


def _serve(behaviours: tuple[str, ...], delay: float, connection: Connection) -> None:
    with fake_providers(*behaviours, delay=delay) as servers:
        connection.send([server.base_url for server in servers])
        while connection.recv() == "count":
            connection.send([len(server.received) for server in servers])


@contextmanager
def servers_elsewhere(behaviours: tuple[str, ...], delay: float) -> Iterator[Connection]:
    """Fake providers in a child process, each answer `delay` seconds late. The connection
    first holds their base URLs; send "count" to get the requests each has received."""
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(behaviours, delay, theirs), daemon=True
    )
    child.start()
    try:
        yield ours
    finally:
        ours.send("stop")
        child.join(10)


def requests_so_far(connection: Connection) -> list[int]:
    connection.send("count")
    counts: list[int] = connection.recv()
    return counts


def environment(base_urls: Sequence[str], scratch: Path) -> dict[str, str]:
    environ = {"PATH": os.environ["PATH"], "GITHUB_ACTIONS": "true"}
    for name in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        environ[name] = str(scratch / name.lower())
    for (name, key, url_variable), url in zip(PROVIDERS, base_urls, strict=True):
        environ[key] = f"bench-key-{name}"
        environ[url_variable] = url
    return environ


def run_once(argv: Sequence[str], environ: dict[str, str]) -> tuple[float, str]:
    """Seconds the whole process took, and the provider it chose (from GITHUB_ENV)."""
    for name in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        Path(environ[name]).write_text("")
    started = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=environ, capture_output=True, check=False,
                   timeout=300)
    seconds = time.perf_counter() - started
    lines = Path(environ["GITHUB_ENV"]).read_text().splitlines()
    names = ("BENCHFLOW_INTEGRATION_PROVIDER<<", "LLM_PROVIDER<<")
    chosen = next((lines[i + 1] for i, line in enumerate(lines) if line.startswith(names)), "")
    return seconds, chosen or "none"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7,
                        help="runs of each side per fast scenario, interleaved (medians shown)")
    parser.add_argument("--network-delay", type=float, default=0.05,
                        help="seconds each server waits before answering (a provider's round "
                        "trip)")
    parser.add_argument("--hedge", default="1", help="the gate's `hedge` input")
    parser.add_argument("--quick", action="store_true",
                        help="skip (b), which waits out hung servers (about 100 s)")
    args = parser.parse_args(argv)
    gate_inputs = {"INPUT_TIMEOUT": f"{SEED_TIMEOUT:g}", "INPUT_HEDGE": args.hedge,
                   "INPUT_PROVIDERS": ",".join(name for name, _, _ in PROVIDERS)}
    print(f"servers answer after {args.network_delay * 1000:g} ms; timeout {SEED_TIMEOUT:g} s; "
          f"hedge {args.hedge} s; medians of {args.rounds} interleaved runs where no hung "
          "server is awaited\n")
    print("| scenario | selector | winner | whole process | requests sent | gate ÷ seed |")
    print("|---|---|---|---|---|---|")
    for scenario in SCENARIOS:
        if scenario.hung and args.quick:
            continue
        rounds = 1 if scenario.hung else args.rounds
        times: dict[str, list[float]] = {"seed": [], "gate": []}
        winners: dict[str, set[str]] = {"seed": set(), "gate": set()}
        sent: dict[str, int] = {"seed": 0, "gate": 0}
        with servers_elsewhere(scenario.behaviours, args.network_delay) as connection, \
                tempfile.TemporaryDirectory() as scratch:
            environ = environment(connection.recv(), Path(scratch))
            for _ in range(rounds):
                for side, command, extra in (("seed", (str(SEED),), {}),
                                             ("gate", GATE, gate_inputs)):
                    before = sum(requests_so_far(connection))
                    seconds, winner = run_once(command, {**environ, **extra})
                    if scenario.hung:  # the gate leaves hung probes behind; let them land
                        time.sleep(0.5)
                    times[side].append(seconds)
                    winners[side].add(winner)
                    sent[side] += sum(requests_so_far(connection)) - before
        medians = {side: statistics.median(values) for side, values in times.items()}
        for side in ("seed", "gate"):
            ratio = f"{medians['gate'] / medians['seed']:.2f}" if side == "gate" else ""
            print(f"| {scenario.label} | {side} | {', '.join(sorted(winners[side]))} | "
                  f"{medians[side] * 1000:.0f} ms | {sent[side] / rounds:g} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
