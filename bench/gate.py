"""Decision time of the integration gate against local provider stand-ins: the concurrent gate
(`integration_probing.select`) against a sequential prober that tries one provider after another,
as the reference workflow did. Run: `.venv/bin/python bench/gate.py [--timeout 3] [--rounds 3]`.

Every probe is a real HTTP request to a server on 127.0.0.1; a hung server reads the request and
never answers, so a probe of it ends only at its timeout. The servers run in a separate process,
as real providers would, so they do not compete with the gate's threads for the interpreter."""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from release_actions import probing, providers  # noqa: E402
from release_actions.providers import Endpoint  # noqa: E402
from release_actions.rehearsal.providers import HANG, OK, fake_providers  # noqa: E402

ORDER = [provider.name for provider in providers.PROVIDERS]


@dataclass(frozen=True)
class Scenario:
    label: str
    behaviours: tuple[str, ...]  # one per provider, in priority order
    target: str  # the target for the concurrent gate, in words
    # (timeout, round trip) -> the longest decision that meets the target; None: no target
    limit: Callable[[float, float], float] | None


SCENARIOS = (
    Scenario("(a) deepseek, glm, qwen hung; litellm answers",
             (HANG, HANG, HANG, OK, OK, OK), "≤ 1.1x timeout", lambda t, rtt: 1.1 * t),
    Scenario("(b) deepseek answers; the rest hung",
             (OK, HANG, HANG, HANG, HANG, HANG), "one round trip (≤ 1.1x RTT)",
             lambda t, rtt: 1.1 * rtt),
    Scenario("(c) all fail fast (401, 404, 429, 500, reset, bad response)",
             ("401", "404", "429", "500", "reset", "no-choices"), "—", None),
)


def _serve(behaviours: tuple[str, ...], delay: float, connection: Connection) -> None:
    with fake_providers(*behaviours, delay=delay) as servers:
        connection.send([server.base_url for server in servers])
        connection.recv()  # until the bench is done with them


@contextmanager
def servers_elsewhere(behaviours: tuple[str, ...], delay: float) -> Iterator[list[str]]:
    """Fake providers with these behaviours in a child process, each answer `delay` seconds
    late; yields their base URLs."""
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(behaviours, delay, theirs), daemon=True
    )
    child.start()
    try:
        yield ours.recv()
    finally:
        ours.send("stop")
        child.join(10)


def endpoints(base_urls: Sequence[str]) -> list[Endpoint]:
    environ: dict[str, str] = {}
    for provider, url in zip(providers.PROVIDERS, base_urls, strict=True):
        environ[provider.key_envs[0]] = f"bench-key-{provider.name}"
        environ[provider.base_url_env] = url
    return [providers.resolve(provider, environ) for provider in providers.PROVIDERS]


def concurrent(targets: Sequence[Endpoint], timeout: float) -> str | None:
    winner = probing.select(targets, timeout).winner
    return winner.name if winner else None


def sequential(targets: Sequence[Endpoint], timeout: float) -> str | None:
    """The prober the gate replaces: one provider after another, first success wins."""
    for target in targets:
        if probing.probe_endpoint(target, timeout).ok:
            return target.name
    return None


def timed(prober: Callable[[Sequence[Endpoint], float], str | None],
          targets: Sequence[Endpoint], timeout: float) -> tuple[float, str | None]:
    started = time.perf_counter()
    winner = prober(targets, timeout)
    return time.perf_counter() - started, winner


def round_trip(rounds: int, delay: float) -> float:
    """The median time of one successful probe alone: what "one round trip" means here."""
    with servers_elsewhere((OK,), delay) as (url,):
        target = endpoints([url] * len(ORDER))[0]
        probing.probe_endpoint(target, 5)  # warm up imports and the loopback path
        return statistics.median(
            timed(lambda t, s: probing.probe_endpoint(t[0], s).name, [target], 5)[0]
            for _ in range(max(rounds, 5))
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per probe")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs per fast scenario (the median is shown)")
    parser.add_argument(
        "--network-delay", type=float, default=0.05,
        help="seconds each server waits before answering, for a provider's network round trip "
        "(0: loopback only, where the gate's thread start-up of a few ms shows)",
    )
    args = parser.parse_args(argv)
    timeout, delay = args.timeout, args.network_delay
    rtt = round_trip(args.rounds, delay)
    print(f"timeout {timeout:g} s per probe; servers answer after {delay * 1000:g} ms; RTT (one "
          f"probe alone, median): {rtt * 1000:.1f} ms; medians of {args.rounds} runs where no "
          f"hung server is awaited\n")
    print("| scenario | prober | winner | decision | ÷ timeout | ÷ RTT | target | met |")
    print("|---|---|---|---|---|---|---|---|")
    all_met = True
    for scenario in SCENARIOS:
        for name, prober in (("concurrent", concurrent), ("sequential", sequential)):
            # Runs that wait for hung servers take seconds each and vary little: one is enough.
            waits = HANG in scenario.behaviours and not (name == "concurrent" and
                                                         scenario.behaviours[0] == OK)
            runs = []
            with servers_elsewhere(scenario.behaviours, delay) as urls:
                for _ in range(1 if waits else args.rounds):
                    runs.append(timed(prober, endpoints(urls), timeout))
            seconds = statistics.median(run[0] for run in runs)
            winners = {run[1] for run in runs}
            target, met = "", ""
            if name == "concurrent" and scenario.limit is not None:
                passed = seconds <= scenario.limit(timeout, rtt)
                all_met = all_met and passed
                target, met = scenario.target, "yes" if passed else "**no**"
            print(f"| {scenario.label} | {name} | {', '.join(w or 'none' for w in winners)} | "
                  f"{seconds * 1000:.0f} ms | {seconds / timeout:.3f} | {seconds / rtt:.1f} | "
                  f"{target} | {met} |")
    return 0 if all_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
