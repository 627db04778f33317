"""Conversions between protobuf messages and the numpy / pydantic types the rest of Reverie uses."""

from __future__ import annotations

import io

import numpy as np

from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2 as pb
from robot_bridge._generated.reverie.robot.v1 import sim_control_pb2 as sim_pb
from robot_bridge._generated.reverie.robot.v1 import types_pb2 as types_pb
from robot_bridge.robot import ActionSpec, CameraCalibration, CameraSpec, Observation, RobotInfo
from skills.scene import GripperState, ObjectState, Scene

API_VERSION = "reverie.robot.v1"
ENCODINGS = {
    "raw": types_pb.IMAGE_ENCODING_RAW,
    "png": types_pb.IMAGE_ENCODING_PNG,
    "jpeg": types_pb.IMAGE_ENCODING_JPEG,
}


class MessageError(ValueError):
    """A message whose content cannot be decoded (bad image bytes, shape, dtype)."""


# --------------------------------------------------------------------------------- vectors
def vec3(v) -> types_pb.Vec3:
    x, y, z = (float(c) for c in v)
    return types_pb.Vec3(x=x, y=y, z=z)


def from_vec3(v: types_pb.Vec3) -> tuple[float, float, float]:
    return (v.x, v.y, v.z)


# --------------------------------------------------------------------------------- images
def encode_image(camera: str, image: np.ndarray, encoding: int) -> types_pb.Image:
    h, w = image.shape[:2]
    c = image.shape[2] if image.ndim == 3 else 1
    msg = types_pb.Image(camera=camera, height=h, width=w, channels=c, dtype=str(image.dtype))
    if encoding in (types_pb.IMAGE_ENCODING_UNSPECIFIED, types_pb.IMAGE_ENCODING_RAW):
        msg.encoding = types_pb.IMAGE_ENCODING_RAW
        msg.data = np.ascontiguousarray(image).tobytes()
        return msg
    from PIL import Image as PILImage

    fmt = "PNG" if encoding == types_pb.IMAGE_ENCODING_PNG else "JPEG"
    buf = io.BytesIO()
    PILImage.fromarray(image).save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    msg.encoding = encoding
    msg.data = buf.getvalue()
    return msg


def decode_image(msg: types_pb.Image) -> np.ndarray:
    shape = (msg.height, msg.width, msg.channels)
    if msg.encoding == types_pb.IMAGE_ENCODING_RAW:
        try:
            dtype = np.dtype(msg.dtype)
        except TypeError as exc:
            raise MessageError(f"image {msg.camera!r}: unknown dtype {msg.dtype!r}") from exc
        if dtype.hasobject:
            raise MessageError(f"image {msg.camera!r}: dtype {msg.dtype!r} is not a plain number")
        expected = int(np.prod(shape)) * dtype.itemsize
        if len(msg.data) != expected:
            raise MessageError(
                f"image {msg.camera!r}: {len(msg.data)} bytes do not fit shape {shape} of "
                f"{dtype} ({expected} bytes)"
            )
        return np.frombuffer(msg.data, dtype=dtype).reshape(shape).copy()
    if msg.encoding in (types_pb.IMAGE_ENCODING_PNG, types_pb.IMAGE_ENCODING_JPEG):
        from PIL import Image as PILImage

        try:
            return np.asarray(PILImage.open(io.BytesIO(msg.data)).convert("RGB"))
        except Exception as exc:  # PIL raises many kinds on corrupt data
            raise MessageError(f"image {msg.camera!r}: cannot decode its bytes: {exc}") from exc
    raise MessageError(f"image {msg.camera!r}: unknown encoding {msg.encoding}")


# --------------------------------------------------------------------------------- observations
def observation_to_proto(obs: Observation, encoding: int) -> types_pb.Observation:
    return types_pb.Observation(
        images=[encode_image(name, img, encoding) for name, img in obs.images.items()],
        ee_position=vec3(obs.ee_pos),
        gripper=float(obs.gripper),
        objects=[
            types_pb.PerceivedObject(
                id=k,
                position=vec3(v),
                state=obs.object_states.get(k, ""),
                placement=obs.placements.get(k, ""),
            )
            for k, v in obs.objects.items()
        ],
        step=obs.step,
        timestamp=obs.timestamp,
    )


def observation_from_proto(msg: types_pb.Observation) -> Observation:
    return Observation(
        images={img.camera: decode_image(img) for img in msg.images},
        ee_pos=np.array(from_vec3(msg.ee_position)),
        gripper=msg.gripper,
        objects={o.id: from_vec3(o.position) for o in msg.objects},
        object_states={o.id: o.state for o in msg.objects if o.state},
        placements={o.id: o.placement for o in msg.objects if o.placement},
        step=msg.step,
        timestamp=msg.timestamp,
    )


# --------------------------------------------------------------------------------- info
def info_to_proto(info: RobotInfo, heartbeat_timeout_s: float) -> pb.RobotInfo:
    spec = info.action_spec
    return pb.RobotInfo(
        robot_id=info.robot_id,
        model=info.model,
        simulated=info.simulated,
        action_spec=types_pb.ActionSpec(
            names=spec.names,
            low=spec.low,
            high=spec.high,
            control_hz=spec.control_hz,
            max_chunk_steps=spec.max_chunk_steps,
            step_size=spec.step_size,
        ),
        cameras=[camera_to_proto(c) for c in info.cameras],
        heartbeat_timeout_ms=round(heartbeat_timeout_s * 1000),
        api_version=API_VERSION,
    )


def info_from_proto(msg: pb.RobotInfo) -> RobotInfo:
    spec = msg.action_spec
    return RobotInfo(
        robot_id=msg.robot_id,
        model=msg.model,
        action_spec=ActionSpec(
            names=tuple(spec.names),
            low=tuple(spec.low),
            high=tuple(spec.high),
            control_hz=spec.control_hz,
            max_chunk_steps=spec.max_chunk_steps,
            step_size=spec.step_size,
        ),
        cameras=tuple(camera_from_proto(c) for c in msg.cameras),
        simulated=msg.simulated,
    )


def camera_to_proto(camera: CameraSpec) -> types_pb.CameraSpec:
    msg = types_pb.CameraSpec(
        name=camera.name, height=camera.height, width=camera.width, channels=camera.channels
    )
    if (cal := camera.calibration) is not None:
        msg.calibration.CopyFrom(
            types_pb.CameraCalibration(
                position=vec3(cal.position), look_at=vec3(cal.look_at), fovy_deg=cal.fovy_deg
            )
        )
    return msg


def camera_from_proto(msg: types_pb.CameraSpec) -> CameraSpec:
    calibration = None
    if msg.HasField("calibration"):  # robots that predate calibration leave it unset
        cal = msg.calibration
        try:
            calibration = CameraCalibration(
                from_vec3(cal.position), from_vec3(cal.look_at), cal.fovy_deg
            )
        except ValueError as exc:
            raise MessageError(f"camera {msg.name!r} has an invalid calibration: {exc}") from exc
    return CameraSpec(msg.name, msg.height, msg.width, msg.channels, calibration)


# --------------------------------------------------------------------------------- scenes
def scene_to_proto(scene: Scene) -> sim_pb.Scene:
    msg = sim_pb.Scene(
        objects=[sim_pb.SceneObject(id=o.id, position=vec3(o.position)) for o in scene.objects],
        drawer_open=scene.drawer_open,
        light_on=scene.light_on,
        relations=[sim_pb.Relation(relation=r, subject=s, object=o) for r, s, o in scene.relations],
        drawer_slide=scene.drawer_slide,
        button_presses=scene.button_presses,
        gripper=sim_pb.GripperState(
            position=vec3(scene.gripper.position),
            opening=scene.gripper.opening,
            holding=scene.gripper.holding or "",
        ),
    )
    if scene.seed is not None:
        msg.seed = scene.seed
    return msg


def scene_from_proto(msg: sim_pb.Scene) -> Scene:
    return Scene(
        seed=msg.seed if msg.HasField("seed") else None,
        objects=[ObjectState(id=o.id, position=from_vec3(o.position)) for o in msg.objects],
        drawer_open=msg.drawer_open,
        light_on=msg.light_on,
        relations=[(r.relation, r.subject, r.object) for r in msg.relations],
        drawer_slide=msg.drawer_slide,
        button_presses=msg.button_presses,
        gripper=GripperState(
            position=from_vec3(msg.gripper.position),
            opening=msg.gripper.opening,
            holding=msg.gripper.holding or None,
        ),
    )
