from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImageEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMAGE_ENCODING_UNSPECIFIED: _ClassVar[ImageEncoding]
    IMAGE_ENCODING_RAW: _ClassVar[ImageEncoding]
    IMAGE_ENCODING_PNG: _ClassVar[ImageEncoding]
    IMAGE_ENCODING_JPEG: _ClassVar[ImageEncoding]
IMAGE_ENCODING_UNSPECIFIED: ImageEncoding
IMAGE_ENCODING_RAW: ImageEncoding
IMAGE_ENCODING_PNG: ImageEncoding
IMAGE_ENCODING_JPEG: ImageEncoding

class Vec3(_message.Message):
    __slots__ = ("x", "y", "z")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...

class Image(_message.Message):
    __slots__ = ("camera", "height", "width", "channels", "dtype", "encoding", "data")
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    camera: str
    height: int
    width: int
    channels: int
    dtype: str
    encoding: ImageEncoding
    data: bytes
    def __init__(self, camera: _Optional[str] = ..., height: _Optional[int] = ..., width: _Optional[int] = ..., channels: _Optional[int] = ..., dtype: _Optional[str] = ..., encoding: _Optional[_Union[ImageEncoding, str]] = ..., data: _Optional[bytes] = ...) -> None: ...

class PerceivedObject(_message.Message):
    __slots__ = ("id", "position", "state", "placement")
    ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PLACEMENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    position: Vec3
    state: str
    placement: str
    def __init__(self, id: _Optional[str] = ..., position: _Optional[_Union[Vec3, _Mapping]] = ..., state: _Optional[str] = ..., placement: _Optional[str] = ...) -> None: ...

class Observation(_message.Message):
    __slots__ = ("images", "ee_position", "gripper", "objects", "step", "timestamp")
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    EE_POSITION_FIELD_NUMBER: _ClassVar[int]
    GRIPPER_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    images: _containers.RepeatedCompositeFieldContainer[Image]
    ee_position: Vec3
    gripper: float
    objects: _containers.RepeatedCompositeFieldContainer[PerceivedObject]
    step: int
    timestamp: float
    def __init__(self, images: _Optional[_Iterable[_Union[Image, _Mapping]]] = ..., ee_position: _Optional[_Union[Vec3, _Mapping]] = ..., gripper: _Optional[float] = ..., objects: _Optional[_Iterable[_Union[PerceivedObject, _Mapping]]] = ..., step: _Optional[int] = ..., timestamp: _Optional[float] = ...) -> None: ...

class Action(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class ActionSpec(_message.Message):
    __slots__ = ("names", "low", "high", "control_hz", "max_chunk_steps", "step_size")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    CONTROL_HZ_FIELD_NUMBER: _ClassVar[int]
    MAX_CHUNK_STEPS_FIELD_NUMBER: _ClassVar[int]
    STEP_SIZE_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    low: _containers.RepeatedScalarFieldContainer[float]
    high: _containers.RepeatedScalarFieldContainer[float]
    control_hz: float
    max_chunk_steps: int
    step_size: float
    def __init__(self, names: _Optional[_Iterable[str]] = ..., low: _Optional[_Iterable[float]] = ..., high: _Optional[_Iterable[float]] = ..., control_hz: _Optional[float] = ..., max_chunk_steps: _Optional[int] = ..., step_size: _Optional[float] = ...) -> None: ...

class CameraSpec(_message.Message):
    __slots__ = ("name", "height", "width", "channels", "calibration")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    height: int
    width: int
    channels: int
    calibration: CameraCalibration
    def __init__(self, name: _Optional[str] = ..., height: _Optional[int] = ..., width: _Optional[int] = ..., channels: _Optional[int] = ..., calibration: _Optional[_Union[CameraCalibration, _Mapping]] = ...) -> None: ...

class CameraCalibration(_message.Message):
    __slots__ = ("position", "look_at", "fovy_deg")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    LOOK_AT_FIELD_NUMBER: _ClassVar[int]
    FOVY_DEG_FIELD_NUMBER: _ClassVar[int]
    position: Vec3
    look_at: Vec3
    fovy_deg: float
    def __init__(self, position: _Optional[_Union[Vec3, _Mapping]] = ..., look_at: _Optional[_Union[Vec3, _Mapping]] = ..., fovy_deg: _Optional[float] = ...) -> None: ...
