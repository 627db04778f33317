from robot_bridge._generated.reverie.robot.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChunkStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHUNK_STATUS_UNSPECIFIED: _ClassVar[ChunkStatus]
    CHUNK_STATUS_COMPLETED: _ClassVar[ChunkStatus]
    CHUNK_STATUS_ABORTED_ESTOP: _ClassVar[ChunkStatus]
    CHUNK_STATUS_ABORTED_CONTROL_LOST: _ClassVar[ChunkStatus]
    CHUNK_STATUS_ABORTED_ROBOT_ERROR: _ClassVar[ChunkStatus]
CHUNK_STATUS_UNSPECIFIED: ChunkStatus
CHUNK_STATUS_COMPLETED: ChunkStatus
CHUNK_STATUS_ABORTED_ESTOP: ChunkStatus
CHUNK_STATUS_ABORTED_CONTROL_LOST: ChunkStatus
CHUNK_STATUS_ABORTED_ROBOT_ERROR: ChunkStatus

class GetInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RobotInfo(_message.Message):
    __slots__ = ("robot_id", "model", "simulated", "action_spec", "cameras", "heartbeat_timeout_ms", "api_version")
    ROBOT_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SIMULATED_FIELD_NUMBER: _ClassVar[int]
    ACTION_SPEC_FIELD_NUMBER: _ClassVar[int]
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    robot_id: str
    model: str
    simulated: bool
    action_spec: _types_pb2.ActionSpec
    cameras: _containers.RepeatedCompositeFieldContainer[_types_pb2.CameraSpec]
    heartbeat_timeout_ms: int
    api_version: str
    def __init__(self, robot_id: _Optional[str] = ..., model: _Optional[str] = ..., simulated: _Optional[bool] = ..., action_spec: _Optional[_Union[_types_pb2.ActionSpec, _Mapping]] = ..., cameras: _Optional[_Iterable[_Union[_types_pb2.CameraSpec, _Mapping]]] = ..., heartbeat_timeout_ms: _Optional[int] = ..., api_version: _Optional[str] = ...) -> None: ...

class GetObservationRequest(_message.Message):
    __slots__ = ("encoding",)
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    encoding: _types_pb2.ImageEncoding
    def __init__(self, encoding: _Optional[_Union[_types_pb2.ImageEncoding, str]] = ...) -> None: ...

class StreamObservationsRequest(_message.Message):
    __slots__ = ("rate_hz", "max_count", "encoding")
    RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    rate_hz: float
    max_count: int
    encoding: _types_pb2.ImageEncoding
    def __init__(self, rate_hz: _Optional[float] = ..., max_count: _Optional[int] = ..., encoding: _Optional[_Union[_types_pb2.ImageEncoding, str]] = ...) -> None: ...

class ControlRequest(_message.Message):
    __slots__ = ("acquire", "heartbeat", "release")
    ACQUIRE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    acquire: Acquire
    heartbeat: Heartbeat
    release: Release
    def __init__(self, acquire: _Optional[_Union[Acquire, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., release: _Optional[_Union[Release, _Mapping]] = ...) -> None: ...

class Acquire(_message.Message):
    __slots__ = ("client_name",)
    CLIENT_NAME_FIELD_NUMBER: _ClassVar[int]
    client_name: str
    def __init__(self, client_name: _Optional[str] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("seq",)
    SEQ_FIELD_NUMBER: _ClassVar[int]
    seq: int
    def __init__(self, seq: _Optional[int] = ...) -> None: ...

class Release(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ControlResponse(_message.Message):
    __slots__ = ("granted", "heartbeat_ack", "released")
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_ACK_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    granted: ControlGranted
    heartbeat_ack: HeartbeatAck
    released: ControlReleased
    def __init__(self, granted: _Optional[_Union[ControlGranted, _Mapping]] = ..., heartbeat_ack: _Optional[_Union[HeartbeatAck, _Mapping]] = ..., released: _Optional[_Union[ControlReleased, _Mapping]] = ...) -> None: ...

class ControlGranted(_message.Message):
    __slots__ = ("session_id", "heartbeat_timeout_ms", "heartbeat_interval_ms")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    heartbeat_timeout_ms: int
    heartbeat_interval_ms: int
    def __init__(self, session_id: _Optional[str] = ..., heartbeat_timeout_ms: _Optional[int] = ..., heartbeat_interval_ms: _Optional[int] = ...) -> None: ...

class HeartbeatAck(_message.Message):
    __slots__ = ("seq", "estopped")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ESTOPPED_FIELD_NUMBER: _ClassVar[int]
    seq: int
    estopped: bool
    def __init__(self, seq: _Optional[int] = ..., estopped: _Optional[bool] = ...) -> None: ...

class ControlReleased(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExecuteChunkRequest(_message.Message):
    __slots__ = ("session_id", "chunk_id", "actions")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CHUNK_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    chunk_id: str
    actions: _containers.RepeatedCompositeFieldContainer[_types_pb2.Action]
    def __init__(self, session_id: _Optional[str] = ..., chunk_id: _Optional[str] = ..., actions: _Optional[_Iterable[_Union[_types_pb2.Action, _Mapping]]] = ...) -> None: ...

class ExecuteChunkResponse(_message.Message):
    __slots__ = ("chunk_id", "status", "steps_executed", "applied", "clipped", "duplicate", "robot_seconds", "message")
    CHUNK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STEPS_EXECUTED_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    CLIPPED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    ROBOT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    chunk_id: str
    status: ChunkStatus
    steps_executed: int
    applied: _containers.RepeatedCompositeFieldContainer[_types_pb2.Action]
    clipped: _containers.RepeatedScalarFieldContainer[bool]
    duplicate: bool
    robot_seconds: float
    message: str
    def __init__(self, chunk_id: _Optional[str] = ..., status: _Optional[_Union[ChunkStatus, str]] = ..., steps_executed: _Optional[int] = ..., applied: _Optional[_Iterable[_Union[_types_pb2.Action, _Mapping]]] = ..., clipped: _Optional[_Iterable[bool]] = ..., duplicate: _Optional[bool] = ..., robot_seconds: _Optional[float] = ..., message: _Optional[str] = ...) -> None: ...

class StopRequest(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class StopResponse(_message.Message):
    __slots__ = ("was_stopped",)
    WAS_STOPPED_FIELD_NUMBER: _ClassVar[int]
    was_stopped: bool
    def __init__(self, was_stopped: _Optional[bool] = ...) -> None: ...

class ClearStopRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClearStopResponse(_message.Message):
    __slots__ = ("was_stopped",)
    WAS_STOPPED_FIELD_NUMBER: _ClassVar[int]
    was_stopped: bool
    def __init__(self, was_stopped: _Optional[bool] = ...) -> None: ...
