"""Robot bridge latency: one-step chunk round trip and observation stream rate, against a bare echo.

    python benchmarks/bridge_latency.py [--json] [--out benchmarks/results/bridge_latency.json]

The server runs in its own process (as it would next to a robot), serving the simulated tabletop and
a bare gRPC echo method; the client measures, in the same run:
- echo: a unary call carrying bytes the size of a one-step chunk request, no robot, no protobuf;
- one-step chunk: `ControlSession.execute_chunk` of one action, the full stack (validation, clipping,
  control session, idempotency ledger, the simulator step); the server reports the time the robot
  took, so the bridge's own cost is the round trip minus that;
- GetObservation and StreamObservations of 128x128 raw RGB frames.
Each measurement is repeated and the median over repeats is reported. Target: p99 <= 5 ms for a
one-step chunk on loopback, excluding the simulator step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MUJOCO_GL", "egl")

ECHO_METHOD = "/reverie.bench.Echo/Echo"
TARGET_P99_MS = 5.0


def serve_child(image_size: int) -> None:
    """The server process: bridge + echo on a free loopback port; prints the port, runs until
    stdin closes."""
    import grpc
    import structlog

    from robot_bridge.server import BridgeServer, ServerConfig
    from robot_bridge.sim_robot import SimRobot

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))  # errors only
    echo = grpc.method_handlers_generic_handler(
        "reverie.bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(lambda req, ctx: req)}
    )
    robot = SimRobot(image_size=image_size, seed=0)
    server = BridgeServer(robot, ServerConfig(port=0, extra_handlers=[echo])).start()
    print(server.port, flush=True)
    sys.stdin.read()
    server.stop(grace=0)
    robot.close()


def percentiles(samples_s: list[float]) -> dict[str, float]:
    ms = np.asarray(samples_s) * 1000
    return {
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
        "mean": float(ms.mean()),
        "n": len(ms),
    }


def measure_once(address: str, calls: int, stream_seconds: float) -> dict:
    import grpc

    from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2 as pb
    from robot_bridge._generated.reverie.robot.v1 import types_pb2
    from robot_bridge.client import RobotClient

    client = RobotClient(address, timeout=5.0)
    client.info()
    # 1. bare echo with a payload the size of a one-step chunk request
    sample = pb.ExecuteChunkRequest(
        session_id="0" * 32, chunk_id="0" * 32, actions=[types_pb2.Action(values=[0.1] * 4)]
    ).SerializeToString()
    echo = client._channel.unary_unary(ECHO_METHOD)
    for _ in range(200):
        echo(sample, timeout=5)
    echo_s = []
    for _ in range(calls):
        t = time.perf_counter()
        echo(sample, timeout=5)
        echo_s.append(time.perf_counter() - t)
    # 2. one-step chunks through the full client and server
    chunk_s, robot_s = [], []
    action = np.array([[0.0, 0.0, 0.0, -1.0]])
    with client.control("benchmark") as ctl:
        for _ in range(200):
            ctl.execute_chunk(action)
        for _ in range(calls):
            t = time.perf_counter()
            result = ctl.execute_chunk(action, timeout=5)
            chunk_s.append(time.perf_counter() - t)
            robot_s.append(result.robot_seconds)
            assert result.completed, result
    bridge_s = [c - r for c, r in zip(chunk_s, robot_s, strict=True)]
    # 3. observations
    obs_s = []
    for _ in range(min(calls, 300)):
        t = time.perf_counter()
        client.observe()
        obs_s.append(time.perf_counter() - t)
    frames, nbytes = 0, 0
    started = time.perf_counter()
    for obs in client.stream_observations(rate_hz=1000, duration_s=stream_seconds):
        frames += 1
        nbytes += obs.image.nbytes
    elapsed = time.perf_counter() - started
    paced = list(client.stream_observations(rate_hz=30, max_count=31))
    paced_hz = 30 / (paced[-1].timestamp - paced[0].timestamp)
    client.close()
    del grpc
    return {
        "echo_ms": percentiles(echo_s),
        "one_step_chunk_ms": percentiles(chunk_s),
        "robot_step_ms": percentiles(robot_s),
        "one_step_chunk_minus_robot_ms": percentiles(bridge_s),
        "get_observation_ms": percentiles(obs_s),
        "stream_fps": frames / elapsed,
        "stream_mbytes_per_s": nbytes / elapsed / 1e6,
        "stream_paced_30hz_achieved_hz": paced_hz,
    }


def median_of(runs: list[dict], key: str, stat: str | None = None) -> float:
    values = [r[key][stat] if stat else r[key] for r in runs]
    return float(statistics.median(values))


def summarize(runs: list[dict], args) -> dict:
    import google.protobuf
    import grpc

    def stats(key: str) -> dict[str, float]:
        return {s: round(median_of(runs, key, s), 4) for s in ("p50", "p99", "mean")}

    bridge = stats("one_step_chunk_minus_robot_ms")
    return {
        "benchmark": "bridge_latency",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "grpcio": grpc.__version__,
            "protobuf": google.protobuf.__version__,
        },
        "config": {
            "calls_per_repeat": args.calls,
            "repeats": args.repeats,
            "image_size": args.image_size,
            "stream_seconds": args.stream_seconds,
            "transport": "loopback, insecure, server in a separate process",
        },
        "echo_ms": stats("echo_ms"),
        "one_step_chunk_ms": stats("one_step_chunk_ms"),
        "robot_step_ms": stats("robot_step_ms"),
        "one_step_chunk_minus_robot_ms": bridge,
        "chunk_over_echo_p50": round(
            median_of(runs, "one_step_chunk_ms", "p50") / median_of(runs, "echo_ms", "p50"), 2
        ),
        "get_observation_ms": stats("get_observation_ms"),
        "stream_fps": round(median_of(runs, "stream_fps"), 1),
        "stream_mbytes_per_s": round(median_of(runs, "stream_mbytes_per_s"), 1),
        "stream_paced_30hz_achieved_hz": round(median_of(runs, "stream_paced_30hz_achieved_hz"), 2),
        "target": {
            "one_step_chunk_minus_robot_p99_ms_max": TARGET_P99_MS,
            "met": bridge["p99"] <= TARGET_P99_MS,
        },
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only JSON on stdout")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/bridge_latency.json")
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--stream-seconds", type=float, default=3.0)
    parser.add_argument("--serve-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_child:
        return serve_child(args.image_size)

    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-child", "--image-size", str(args.image_size)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(child.stdout.readline())
        runs = []
        for i in range(args.repeats):
            runs.append(measure_once(f"127.0.0.1:{port}", args.calls, args.stream_seconds))
            if not args.json:
                r = runs[-1]
                print(
                    f"repeat {i + 1}/{args.repeats}: chunk p50 {r['one_step_chunk_ms']['p50']:.3f} "
                    f"p99 {r['one_step_chunk_ms']['p99']:.3f} ms, echo p50 "
                    f"{r['echo_ms']['p50']:.3f} ms, stream {r['stream_fps']:.0f} fps",
                    file=sys.stderr,
                )
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    result = summarize(runs, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)  # never a half-written file
    if args.json:
        print(json.dumps(result, indent=2))
        return
    c, b, e = (
        result["one_step_chunk_ms"],
        result["one_step_chunk_minus_robot_ms"],
        result["echo_ms"],
    )
    print(f"one-step chunk:        p50 {c['p50']:.3f} ms  p99 {c['p99']:.3f} ms")
    print(f"  minus the sim step:  p50 {b['p50']:.3f} ms  p99 {b['p99']:.3f} ms  (target p99 <= 5)")
    print(f"bare echo:             p50 {e['p50']:.3f} ms  p99 {e['p99']:.3f} ms")
    print(f"chunk / echo (p50):    {result['chunk_over_echo_p50']:.2f}x")
    o = result["get_observation_ms"]
    print(f"GetObservation {args.image_size}px: p50 {o['p50']:.3f} ms  p99 {o['p99']:.3f} ms")
    print(
        f"stream {args.image_size}px raw: {result['stream_fps']:.0f} frames/s "
        f"({result['stream_mbytes_per_s']:.1f} MB/s); paced at 30 Hz: "
        f"{result['stream_paced_30hz_achieved_hz']:.2f} Hz"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
