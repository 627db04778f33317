"""Dimensions of the simulated household tabletop (metres, table top at z = 0).

The robot looks at the table from its own side (-y); the drawer cabinet stands at the far side (+y)
and its drawer slides out towards the robot.
"""

from __future__ import annotations

CONTROL_HZ = 10

# The fixed head camera (calibration a real robot would also know; the world model uses it to
# place the hand in the image).
CAMERA_POS = (0.0, -0.60, 0.62)
CAMERA_TARGET = (0.0, 0.05, 0.0)
CAMERA_FOVY_DEG = 50.0
PHYSICS_DT = 0.004
SUBSTEPS = round(1.0 / CONTROL_HZ / PHYSICS_DT)  # physics steps per action

# Action scaling: an action of +1 moves the end-effector target by MAX_STEP metres in one control step.
MAX_STEP = 0.03
# The end-effector target never runs ahead of the real hand by more than this, so a blocked hand does
# not wind up a large force.
TARGET_LEASH = 0.04

# End-effector workspace (the grasp point between the fingertips).
EE_LOW = (-0.32, -0.25, 0.02)
EE_HIGH = (0.32, 0.30, 0.25)
EE_HOME = (0.0, -0.12, 0.16)

FINGER_OPEN = 0.05  # each finger's distance from the centre line when fully open
FINGER_HALF_THICKNESS = 0.006
FINGER_HALF_WIDTH = 0.012

BLOCK_HALF = 0.02
BLOCK_COLORS = {
    "red_block": (0.85, 0.12, 0.10),
    "green_block": (0.15, 0.70, 0.20),
    "blue_block": (0.12, 0.30, 0.90),
    "yellow_block": (0.95, 0.80, 0.10),
}

BOWL_RADIUS = 0.065
BOWL_HEIGHT = 0.034
BIN_HALF = 0.075
BIN_HEIGHT = 0.06

CABINET_Y = 0.22
CABINET_HALF = (0.095, 0.075, 0.05)
DRAWER_TRAVEL = 0.12
DRAWER_OPEN_AT = 0.07  # the drawer counts as open beyond this slide distance
DRAWER_CLOSED_AT = 0.015  # and as shut below this one
# Tray interior, relative to the cabinet centre when closed.
TRAY_HALF_X = 0.074
TRAY_Y = (-0.065, 0.059)
TRAY_FLOOR_Z = 0.015
TRAY_RIM_Z = 0.06
HANDLE_Y = -0.105  # relative to the cabinet centre, drawer closed
HANDLE_Z = 0.05
HANDLE_HALF = (0.03, 0.006, 0.006)

BUTTON_RADIUS = 0.03
BUTTON_TOP_Z = 0.022
BUTTON_PRESSED_AT = -0.005  # cap displacement that counts as a press

# Where things may be placed at reset: (x range, y range) of centres.
PLACE_X = (-0.28, 0.28)
PLACE_Y = (-0.21, 0.12)
CABINET_X = (-0.17, 0.17)

# Absent blocks rest on the floor out of view.
PARKING = (3.0, 3.0, -0.73)
