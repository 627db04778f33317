"""Regenerate the Python gRPC stubs in robot_bridge/_generated/ from the contract in proto/.

Run from anywhere:  python robot_bridge/generate_stubs.py   (needs grpcio-tools)

protoc writes absolute imports (`from reverie.robot.v1 import types_pb2`) that would resolve only
if `reverie` were a top-level package; they are rewritten to `robot_bridge._generated.reverie...`
so the stubs work from a source checkout and from an installed wheel alike.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
OUT_DIR = ROOT / "robot_bridge" / "_generated"
PACKAGE_PREFIX = "robot_bridge._generated"


def generate() -> list[Path]:
    from grpc_tools import protoc  # only needed when regenerating

    protos = sorted(PROTO_DIR.rglob("*.proto"))
    if not protos:
        raise SystemExit(f"no .proto files under {PROTO_DIR}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    include = Path(protoc.__file__).parent / "_proto"  # google/protobuf/*.proto
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{include}",
        f"--python_out={OUT_DIR}",
        f"--pyi_out={OUT_DIR}",
        f"--grpc_python_out={OUT_DIR}",
        *(str(p.relative_to(PROTO_DIR)) for p in protos),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed; see the messages above")
    packages = {p.parent.relative_to(PROTO_DIR) for p in protos}
    for package in packages:  # make every generated folder an importable package
        for part in (package, *package.parents):
            init = OUT_DIR / part / "__init__.py"
            if not init.exists():
                init.write_text("")
    written = sorted(OUT_DIR.rglob("*_pb2*.py*"))
    top_levels = {p.parts[0] for p in packages}
    names = "|".join(map(re.escape, top_levels))
    pattern = re.compile(rf"^(from|import) ({names})\b", re.MULTILINE)
    for path in written:
        text = path.read_text()
        path.write_text(pattern.sub(rf"\1 {PACKAGE_PREFIX}.\2", text))
    return written


if __name__ == "__main__":
    for path in generate():
        print(path.relative_to(ROOT))
    sys.exit(0)
