from robot_bridge._generated.reverie.robot.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ResetRequest(_message.Message):
    __slots__ = ("seed",)
    SEED_FIELD_NUMBER: _ClassVar[int]
    seed: int
    def __init__(self, seed: _Optional[int] = ...) -> None: ...

class ResetResponse(_message.Message):
    __slots__ = ("scene", "observation")
    SCENE_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_FIELD_NUMBER: _ClassVar[int]
    scene: Scene
    observation: _types_pb2.Observation
    def __init__(self, scene: _Optional[_Union[Scene, _Mapping]] = ..., observation: _Optional[_Union[_types_pb2.Observation, _Mapping]] = ...) -> None: ...

class GetSceneRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SceneObject(_message.Message):
    __slots__ = ("id", "position")
    ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    position: _types_pb2.Vec3
    def __init__(self, id: _Optional[str] = ..., position: _Optional[_Union[_types_pb2.Vec3, _Mapping]] = ...) -> None: ...

class Relation(_message.Message):
    __slots__ = ("relation", "subject", "object")
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    relation: str
    subject: str
    object: str
    def __init__(self, relation: _Optional[str] = ..., subject: _Optional[str] = ..., object: _Optional[str] = ...) -> None: ...

class GripperState(_message.Message):
    __slots__ = ("position", "opening", "holding")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    OPENING_FIELD_NUMBER: _ClassVar[int]
    HOLDING_FIELD_NUMBER: _ClassVar[int]
    position: _types_pb2.Vec3
    opening: float
    holding: str
    def __init__(self, position: _Optional[_Union[_types_pb2.Vec3, _Mapping]] = ..., opening: _Optional[float] = ..., holding: _Optional[str] = ...) -> None: ...

class Scene(_message.Message):
    __slots__ = ("seed", "objects", "drawer_open", "light_on", "relations", "drawer_slide", "button_presses", "gripper")
    SEED_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    DRAWER_OPEN_FIELD_NUMBER: _ClassVar[int]
    LIGHT_ON_FIELD_NUMBER: _ClassVar[int]
    RELATIONS_FIELD_NUMBER: _ClassVar[int]
    DRAWER_SLIDE_FIELD_NUMBER: _ClassVar[int]
    BUTTON_PRESSES_FIELD_NUMBER: _ClassVar[int]
    GRIPPER_FIELD_NUMBER: _ClassVar[int]
    seed: int
    objects: _containers.RepeatedCompositeFieldContainer[SceneObject]
    drawer_open: bool
    light_on: bool
    relations: _containers.RepeatedCompositeFieldContainer[Relation]
    drawer_slide: float
    button_presses: int
    gripper: GripperState
    def __init__(self, seed: _Optional[int] = ..., objects: _Optional[_Iterable[_Union[SceneObject, _Mapping]]] = ..., drawer_open: _Optional[bool] = ..., light_on: _Optional[bool] = ..., relations: _Optional[_Iterable[_Union[Relation, _Mapping]]] = ..., drawer_slide: _Optional[float] = ..., button_presses: _Optional[int] = ..., gripper: _Optional[_Union[GripperState, _Mapping]] = ...) -> None: ...

class MarkSkillStartRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MarkSkillStartResponse(_message.Message):
    __slots__ = ("scene",)
    SCENE_FIELD_NUMBER: _ClassVar[int]
    scene: Scene
    def __init__(self, scene: _Optional[_Union[Scene, _Mapping]] = ...) -> None: ...

class CheckSkillRequest(_message.Message):
    __slots__ = ("skill", "args")
    class ArgsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SKILL_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    skill: str
    args: _containers.ScalarMap[str, str]
    def __init__(self, skill: _Optional[str] = ..., args: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CheckSkillResponse(_message.Message):
    __slots__ = ("success", "scene", "start_scene")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    SCENE_FIELD_NUMBER: _ClassVar[int]
    START_SCENE_FIELD_NUMBER: _ClassVar[int]
    success: bool
    scene: Scene
    start_scene: Scene
    def __init__(self, success: _Optional[bool] = ..., scene: _Optional[_Union[Scene, _Mapping]] = ..., start_scene: _Optional[_Union[Scene, _Mapping]] = ...) -> None: ...
