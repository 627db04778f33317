"""Builds the MJCF model of the tabletop. Static furniture is moved per seed through model.body_pos."""

from __future__ import annotations

import math

import numpy as np

from robot_bridge.sim import layout as L
from skills.vocabulary import BLOCKS


def _look_at(pos: tuple[float, float, float], target: tuple[float, float, float]) -> str:
    """MuJoCo camera xyaxes for a camera at `pos` looking at `target` with +z up."""
    forward = np.subtract(target, pos)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, (0.0, 0.0, 1.0))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    return " ".join(f"{v:.5f}" for v in (*right, *up))


def _box(name: str, size, pos, rgba, **extra: str) -> str:
    attrs = " ".join(f'{k}="{v}"' for k, v in extra.items())
    s = " ".join(f"{v:.4f}" for v in size)
    p = " ".join(f"{v:.4f}" for v in pos)
    r = " ".join(f"{v:.3f}" for v in rgba)
    return f'<geom name="{name}" type="box" size="{s}" pos="{p}" rgba="{r}" {attrs}/>'


def _bowl_geoms() -> str:
    rgba = (0.92, 0.88, 0.78, 1)
    parts = [
        f'<geom name="bowl_floor" type="cylinder" size="{L.BOWL_RADIUS} 0.002" pos="0 0 0.002" '
        f'rgba="{rgba[0]} {rgba[1]} {rgba[2]} 1"/>'
    ]
    n = 12
    half_len = L.BOWL_RADIUS * math.tan(math.pi / n) + 0.002
    for i in range(n):
        a = 2 * math.pi * i / n
        x, y = (L.BOWL_RADIUS - 0.003) * math.cos(a), (L.BOWL_RADIUS - 0.003) * math.sin(a)
        parts.append(
            f'<geom name="bowl_wall{i}" type="box" size="0.003 {half_len:.4f} {L.BOWL_HEIGHT / 2}" '
            f'pos="{x:.4f} {y:.4f} {L.BOWL_HEIGHT / 2}" euler="0 0 {a:.4f}" '
            f'rgba="{rgba[0] * 0.9:.3f} {rgba[1] * 0.9:.3f} {rgba[2] * 0.9:.3f} 1"/>'
        )
    return "\n".join(parts)


def _bin_geoms() -> str:
    h, t, c = L.BIN_HEIGHT / 2, 0.003, (0.35, 0.42, 0.50, 1)
    b = L.BIN_HALF
    return "\n".join(
        [
            _box("bin_floor", (b, b, 0.002), (0, 0, 0.002), c),
            _box("bin_wall_n", (b, t, h), (0, b - t, h), c),
            _box("bin_wall_s", (b, t, h), (0, -b + t, h), c),
            _box("bin_wall_e", (t, b, h), (b - t, 0, h), c),
            _box("bin_wall_w", (t, b, h), (-b + t, 0, h), c),
        ]
    )


def _cabinet_geoms() -> str:
    hx, hy, hz = L.CABINET_HALF
    wood, t = (0.55, 0.36, 0.20, 1), 0.004
    housing = [
        _box("cabinet_bottom", (hx, hy, t), (0, 0, t), wood),
        _box("cabinet_top", (hx, hy, t), (0, 0, 2 * hz - t), wood),
        _box("cabinet_left", (t, hy, hz), (-hx + t, 0, hz), wood),
        _box("cabinet_right", (t, hy, hz), (hx - t, 0, hz), wood),
        _box("cabinet_back", (hx, t, hz), (0, hy - t, hz), wood),
    ]
    tray_c, wall = (0.70, 0.52, 0.32, 1), 0.003
    y0, y1 = L.TRAY_Y
    cy, ly = (y0 + y1) / 2, (y1 - y0) / 2
    rim_h = (L.TRAY_RIM_Z - L.TRAY_FLOOR_Z) / 2
    rim_c = L.TRAY_FLOOR_Z + rim_h
    tray = [
        _box("drawer_floor", (L.TRAY_HALF_X, ly, wall), (0, cy, L.TRAY_FLOOR_Z - wall), tray_c),
        _box("drawer_left", (wall, ly, rim_h), (-L.TRAY_HALF_X - wall, cy, rim_c), tray_c),
        _box("drawer_right", (wall, ly, rim_h), (L.TRAY_HALF_X + wall, cy, rim_c), tray_c),
        _box("drawer_back", (L.TRAY_HALF_X, wall, rim_h), (0, y1 + wall, rim_c), tray_c),
        _box("drawer_front", (0.087, 0.0025, 0.037), (0, y0 - 0.0025, 0.048), tray_c),
        _box("drawer_handle", L.HANDLE_HALF, (0, L.HANDLE_Y, L.HANDLE_Z), (0.2, 0.2, 0.2, 1)),
        _box(
            "drawer_post_l", (0.004, 0.017, 0.004), (-0.026, -0.084, L.HANDLE_Z), (0.2, 0.2, 0.2, 1)
        ),
        _box(
            "drawer_post_r", (0.004, 0.017, 0.004), (0.026, -0.084, L.HANDLE_Z), (0.2, 0.2, 0.2, 1)
        ),
    ]
    lamp = (
        '<body name="light" pos="0.065 0.045 0.1">'
        '<geom name="lamp_post" type="cylinder" size="0.004 0.015" pos="0 0 0.015" rgba=".2 .2 .2 1" '
        'contype="0" conaffinity="0"/>'
        '<geom name="lamp_bulb" type="sphere" size="0.018" pos="0 0 0.042" material="bulb_off" '
        'contype="0" conaffinity="0"/></body>'
    )
    return (
        "\n".join(housing)
        + f'\n<body name="drawer" pos="0 0 0"><joint name="drawer_slide" type="slide" axis="0 -1 0" '
        f'range="0 {L.DRAWER_TRAVEL}" damping="2" frictionloss="0.3" armature="0.01"/>'
        + "\n".join(tray)
        + "</body>\n"
        + lamp
    )


def _hand() -> str:
    fx = L.FINGER_HALF_WIDTH
    finger = (
        '<body name="finger_{side}"><joint name="finger_{side}" type="slide" axis="0 1 0" '
        'range="{lo} {hi}" damping="1" armature="0.005"/>'
        f'<geom name="finger_{{side}}" type="box" size="{fx} {L.FINGER_HALF_THICKNESS} 0.039" '
        'pos="0 0 0.021" rgba=".85 .85 .88 1" friction="1.5 0.02 0.002" condim="4" mass="0.03"/>'
        "</body>"
    )
    x, y, z = L.EE_HOME
    # Slide joints measure displacement from home, so their ranges are the workspace minus home.
    lo = [low - home for low, home in zip(L.EE_LOW, L.EE_HOME, strict=True)]
    hi = [high - home for high, home in zip(L.EE_HIGH, L.EE_HOME, strict=True)]
    return f"""
<body name="hand" pos="{x} {y} {z}" gravcomp="1">
  <joint name="hand_x" type="slide" axis="1 0 0" range="{lo[0]:.4f} {hi[0]:.4f}" damping="40"/>
  <joint name="hand_y" type="slide" axis="0 1 0" range="{lo[1]:.4f} {hi[1]:.4f}" damping="40"/>
  <joint name="hand_z" type="slide" axis="0 0 1" range="{lo[2]:.4f} {hi[2]:.4f}" damping="40"/>
  <site name="grasp" pos="0 0 0" size="0.004" rgba="1 0 1 0"/>
  <geom name="palm" type="box" size="0.02 0.06 0.01" pos="0 0 0.07" rgba=".3 .3 .35 1" mass="0.3"/>
  <geom name="arm" type="cylinder" size="0.012 0.12" pos="0 0 0.2" rgba=".45 .45 .5 1"
        contype="0" conaffinity="0" mass="0.05"/>
  {finger.format(side="left", lo=-L.FINGER_OPEN, hi=0)}
  {finger.format(side="right", lo=0, hi=L.FINGER_OPEN)}
</body>
"""


def _blocks() -> str:
    out = []
    for i, name in enumerate(BLOCKS):
        r, g, b = L.BLOCK_COLORS[name]
        px, py, pz = L.PARKING
        out.append(
            f'<body name="{name}" pos="{px + 0.2 * i} {py} {pz}"><freejoint name="{name}"/>'
            f'<geom name="{name}" type="box" size="{L.BLOCK_HALF} {L.BLOCK_HALF} {L.BLOCK_HALF}" '
            f'rgba="{r} {g} {b} 1" mass="0.04" friction="1.0 0.01 0.001" condim="4"/></body>'
        )
    return "\n".join(out)


def build_mjcf(image_size: int = 128, shadows: bool = False) -> str:
    """The whole scene as an MJCF string; every optional object is present and parked when unused.

    Shadows and multisampling are off by default: under software OpenGL they cost 5-10x the
    rest of a frame (measured: 1.2 ms vs 9.7 ms per 64 px frame).
    """
    cam = _look_at(L.CAMERA_POS, L.CAMERA_TARGET)
    shadow = 1024 if shadows else 0
    return f"""
<mujoco model="reverie_tabletop">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="{L.PHYSICS_DT}" integrator="implicitfast" cone="elliptic" impratio="10"/>
  <visual>
    <global offwidth="{image_size}" offheight="{image_size}"/>
    <quality shadowsize="{shadow}" offsamples="0"/>
    <headlight ambient=".35 .35 .35" diffuse=".45 .45 .45" specular="0 0 0"/>
  </visual>
  <asset>
    <texture name="floor_tex" type="2d" builtin="checker" rgb1=".25 .25 .28" rgb2=".3 .3 .33"
             width="64" height="64"/>
    <material name="floor" texture="floor_tex" texrepeat="8 8"/>
    <material name="table" rgba=".82 .80 .76 1"/>
    <material name="bulb_off" rgba=".25 .25 .22 1" emission="0"/>
    <material name="bulb_on" rgba="1 .93 .35 1" emission="1"/>
  </asset>
  <worldbody>
    <light name="top" pos="0.1 -0.2 1.2" dir="-0.1 0.2 -1" diffuse=".55 .55 .55"
           castshadow="{str(shadows).lower()}"/>
    <camera name="head" pos="{" ".join(map(str, L.CAMERA_POS))}" xyaxes="{cam}" fovy="{L.CAMERA_FOVY_DEG}"/>
    <geom name="floor" type="plane" size="4 4 .1" pos="0 0 -0.75" material="floor"/>
    <geom name="table" type="box" size="0.42 0.34 0.02" pos="0 0.03 -0.02" material="table"/>
    <body name="bowl" pos="0.15 -0.1 0">{_bowl_geoms()}</body>
    <body name="bin" pos="-0.15 -0.1 0">{_bin_geoms()}</body>
    <body name="cabinet" pos="0 {L.CABINET_Y} 0">{_cabinet_geoms()}</body>
    <body name="button" pos="0 -0.15 0">
      <geom name="button_base" type="cylinder" size="{L.BUTTON_RADIUS} 0.003" pos="0 0 0.003"
            rgba=".15 .15 .15 1"/>
      <body name="button_cap" pos="0 0 0.014">
        <joint name="button_press" type="slide" axis="0 0 1" range="-0.008 0" stiffness="60"
               damping="2"/>
        <geom name="button_cap" type="cylinder" size="0.018 0.008" rgba=".9 .1 .1 1" mass="0.01"/>
      </body>
    </body>
    {_hand()}
    {_blocks()}
  </worldbody>
  <contact>
    <exclude body1="finger_left" body2="finger_right"/>
  </contact>
  <actuator>
    <position name="hand_x" joint="hand_x" kp="3000" forcerange="-30 30"/>
    <position name="hand_y" joint="hand_y" kp="3000" forcerange="-30 30"/>
    <position name="hand_z" joint="hand_z" kp="3000" forcerange="-30 30"/>
    <position name="finger_left" joint="finger_left" kp="150" forcerange="-6 6"/>
    <position name="finger_right" joint="finger_right" kp="150" forcerange="-6 6"/>
  </actuator>
</mujoco>
"""
